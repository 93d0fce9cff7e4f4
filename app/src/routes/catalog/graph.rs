//! A small server-rendered relation graph: the entity in the middle, its related
//! entities around it, each a link. The lists beside it say the same in text.

use leptos::prelude::*;

use parkway_types::{EntityRef, RelationType};

use crate::serverfns::catalog::RelationGroup;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 380.0;
const MAX_NODES: usize = 14;

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

#[component]
pub fn RelationGraph(center: EntityRef, relations: Vec<RelationGroup>) -> impl IntoView {
    let edges: Vec<(RelationType, EntityRef)> = relations
        .into_iter()
        .flat_map(|g| g.targets.into_iter().map(move |t| (g.relation, t)))
        .take(MAX_NODES)
        .collect();
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    let n = edges.len().max(1) as f64;
    let nodes: Vec<(f64, f64, RelationType, EntityRef)> = edges
        .into_iter()
        .enumerate()
        .map(|(i, (relation, target))| {
            let angle = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n;
            (
                cx + 270.0 * angle.cos(),
                cy + 140.0 * angle.sin(),
                relation,
                target,
            )
        })
        .collect();
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            class="h-auto w-full"
            role="group"
            aria-label=format!("Relations of {}", center.label())
            data-testid="relation-graph"
        >
            {nodes
                .iter()
                .map(|(x, y, relation, _)| {
                    let (mx, my) = ((cx + x) / 2.0, (cy + y) / 2.0);
                    view! {
                        <line
                            x1=cx
                            y1=cy
                            x2=*x
                            y2=*y
                            class="stroke-slate-300 dark:stroke-slate-600"
                            stroke-width="1.5"
                        />
                        <text
                            x=mx
                            y=my - 4.0
                            text-anchor="middle"
                            class="fill-slate-500 text-[10px] dark:fill-slate-400"
                        >
                            {relation.as_str()}
                        </text>
                    }
                })
                .collect_view()}
            <g>
                <rect
                    x=cx - 90.0
                    y=cy - 24.0
                    width="180"
                    height="48"
                    rx="10"
                    class="fill-emerald-700 dark:fill-emerald-600"
                />
                <text x=cx y=cy - 4.0 text-anchor="middle" class="fill-emerald-100 text-[10px] uppercase">
                    {center.kind.key_name()}
                </text>
                <text x=cx y=cy + 12.0 text-anchor="middle" class="fill-white text-[13px] font-semibold">
                    {truncate(&center.label(), 24)}
                </text>
            </g>
            {nodes
                .into_iter()
                .map(|(x, y, _, target)| {
                    view! {
                        <a href=target.href() class="group">
                            <rect
                                x=x - 78.0
                                y=y - 20.0
                                width="156"
                                height="40"
                                rx="8"
                                class="fill-white stroke-slate-300 group-hover:stroke-emerald-600 group-focus:stroke-emerald-600 dark:fill-slate-900 dark:stroke-slate-600"
                                stroke-width="1.5"
                            />
                            <text
                                x=x
                                y=y - 4.0
                                text-anchor="middle"
                                class="fill-slate-500 text-[9px] uppercase dark:fill-slate-400"
                            >
                                {target.kind.key_name()}
                            </text>
                            <text
                                x=x
                                y=y + 11.0
                                text-anchor="middle"
                                class="fill-slate-900 text-[12px] dark:fill-slate-100"
                            >
                                {truncate(&target.label(), 22)}
                            </text>
                        </a>
                    }
                })
                .collect_view()}
        </svg>
    }
}
