//! Data an island loads. An island's resource is serialised into the page by the server
//! and decoded in the browser; server functions' answers are decoded from bytes. Using
//! the same JSON reader for both (`SliceJson`) keeps one decoder per type in the bundle
//! instead of two (the `str` and the byte-slice readers are separate instantiations).

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// JSON, decoded through `serde_json`'s byte-slice reader.
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = leptos::serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        leptos::serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = leptos::serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        leptos::serde_json::from_slice(val.as_bytes())
    }
}

/// `Resource::new` for use inside an `#[island]`.
pub fn island_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, SliceJson>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_it_encodes() {
        let value = vec![Some("a".to_owned()), None];
        let text = <SliceJson as Encoder<Vec<Option<String>>>>::encode(&value).expect("encodes");
        let back: Vec<Option<String>> = <SliceJson as Decoder<_>>::decode(&text).expect("decodes");
        assert_eq!(back, value);
        assert!(<SliceJson as Decoder<Vec<u8>>>::decode("{").is_err());
    }
}
