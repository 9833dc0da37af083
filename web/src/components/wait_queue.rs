//! `pkmap_map_wait`: the tasks asleep in `kmap()` because every pkmap slot was taken, and
//! the ones a `kunmap()` woke that have not run yet (each finishes its `kmap()` when it is
//! next switched in).

use super::Shared;
use crate::format::hex;
use highmem_engine::machine::Machine;
use highmem_engine::sched::{Pending, TaskState};
use yew::prelude::*;

/// Props of [`WaitQueue`].
#[derive(Properties, PartialEq)]
pub struct WaitQueueProps {
    /// The machine.
    pub machine: Shared<Machine>,
}

fn pending_page(m: &Machine, task: usize) -> String {
    match &m.tasks()[task].pending {
        Some(Pending::Kmap { pfn }) => format!("kmap() of frame {}", hex(*pfn)),
        None => "nothing".into(),
    }
}

/// The queue.
#[component]
pub fn WaitQueue(props: &WaitQueueProps) -> Html {
    let m: &Machine = &props.machine;
    let Some(p) = m.pkmap() else {
        return html! { <p id="pkmap-wait" class="hint">{ "No HIGHMEM: nobody can wait for a pkmap slot." }</p> };
    };
    let woken: Vec<usize> = (0..m.tasks().len())
        .filter(|&i| m.tasks()[i].state == TaskState::Runnable && m.tasks()[i].pending.is_some())
        .collect();
    html! {
        <div id="pkmap-wait" class="wait-queue" data-waiting={p.wait.len().to_string()}>
            if p.wait.is_empty() {
                <p class="wait-empty">{ "Nobody is waiting for a slot." }</p>
            } else {
                <ol class="wait-list" aria-label="Tasks asleep on pkmap_map_wait, first in first">
                    { for p.wait.iter().map(|&i| {
                        let t = &m.tasks()[i];
                        html! {
                            <li class="waiter" data-task={t.name.clone()}>
                                <span class="wait-mark" aria-hidden="true">{ "☾ " }</span>
                                <strong>{ t.name.clone() }</strong>
                                { format!(" (pid {}) sleeps in {}, uninterruptibly", t.pid, pending_page(m, i)) }
                            </li>
                        }
                    }) }
                </ol>
            }
            if !woken.is_empty() {
                <ul class="woken-list" aria-label="Woken, not yet running">
                    { for woken.iter().map(|&i| {
                        let t = &m.tasks()[i];
                        html! {
                            <li class="woken" data-task={t.name.clone()}>
                                <span class="wait-mark" aria-hidden="true">{ "↑ " }</span>
                                <strong>{ t.name.clone() }</strong>
                                { format!(" was woken: its {} resumes, and checks again, when it is switched in", pending_page(m, i)) }
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    async fn the_queue_is_the_engines() {
        let s = crate::scenarios::find("pkmap-fill-sleep").unwrap();
        let mut l = Lab::boot(MachineConfig::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(3 << 30).unwrap(),
        ))
        .start_scenario(s, true);
        let mut saw_sleeper = false;
        let mut saw_woken = false;
        while l.stepping.is_some() {
            l = l.next_step();
            let m = l.machine().unwrap();
            let root = render::<WaitQueue>(WaitQueueProps {
                machine: l.machine.clone().unwrap(),
            })
            .await;
            let names: Vec<String> = all(&root, ".waiter")
                .iter()
                .map(|e| attr(e, "data-task"))
                .collect();
            let want: Vec<String> = m
                .pkmap()
                .unwrap()
                .wait
                .iter()
                .map(|&i| m.tasks()[i].name.clone())
                .collect();
            assert_eq!(names, want);
            saw_sleeper |= !names.is_empty();
            let woken = all(&root, ".woken");
            saw_woken |= !woken.is_empty();
            for w in woken {
                assert!(w.text_content().unwrap().contains("resumes"));
            }
        }
        assert!(saw_sleeper && saw_woken);
        let root = render::<WaitQueue>(WaitQueueProps {
            machine: l.machine.clone().unwrap(),
        })
        .await;
        assert!(
            all(&root, ".waiter, .woken").is_empty(),
            "A finished its kmap"
        );
    }
}
