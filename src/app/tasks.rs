//! Named background tasks: the one way the window runs work off the UI thread.
//!
//! A task is a closure run on its own named thread (`riskdeck-<name>`). It reports through a
//! [`TaskContext`]: messages of the owner's type (results, partial results, progress), each
//! followed by a repaint, and it can watch for cancellation. The UI polls once per frame.
//!
//! Two policies:
//! - [`Policy::Supersede`]: a newer request of the same name cancels the older one and drops
//!   whatever the older one still sends (opening a file, refreshing prices, and next the
//!   timeline, Monte Carlo, cascades and VaR);
//! - [`Policy::Keep`]: every run's messages are delivered (saves: each result matters).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// What happens to an older run when a new one of the same name starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Cancel it and drop what it still sends.
    Supersede,
    /// Let it finish and deliver everything.
    Keep,
}

enum Event<M> {
    Message(M),
    Finished,
}

struct Envelope<M> {
    name: &'static str,
    run: u64,
    event: Event<M>,
}

/// What a running task can do: send messages home and see whether it was cancelled.
pub struct TaskContext<M> {
    name: &'static str,
    run: u64,
    sender: Sender<Envelope<M>>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    cancel: Arc<AtomicBool>,
}

impl<M> TaskContext<M> {
    /// Sends `message` to the UI and wakes it; false when the UI is gone (the app is closing).
    pub fn send(&self, message: M) -> bool {
        let sent = self
            .sender
            .send(Envelope {
                name: self.name,
                run: self.run,
                event: Event::Message(message),
            })
            .is_ok();
        (self.repaint)();
        sent
    }

    /// The flag raised when the task is cancelled or superseded (pass it to blocking I/O).
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Whether the task was cancelled or superseded.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

struct Running {
    /// Runs not yet finished, with their cancel flags.
    runs: BTreeMap<u64, Arc<AtomicBool>>,
    /// The newest run; with [`Policy::Supersede`] only its messages are delivered.
    newest: u64,
    policy: Policy,
}

/// The task runner of one owner (the app), whose tasks send messages of type `M`.
pub struct Tasks<M> {
    sender: Sender<Envelope<M>>,
    receiver: Receiver<Envelope<M>>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    running: BTreeMap<&'static str, Running>,
    next_run: u64,
}

impl<M: Send + 'static> Tasks<M> {
    /// A runner that calls `repaint` whenever a task sends something or ends.
    pub fn new(repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (sender, receiver) = channel();
        Self {
            sender,
            receiver,
            repaint: Arc::new(repaint),
            running: BTreeMap::new(),
            next_run: 0,
        }
    }

    /// Starts `job` as task `name`. With [`Policy::Supersede`] a running task of that name is
    /// cancelled and its later messages dropped. Returns false when no thread could start
    /// (the failure is logged; nothing runs).
    pub fn spawn(
        &mut self,
        name: &'static str,
        policy: Policy,
        job: impl FnOnce(&TaskContext<M>) + Send + 'static,
    ) -> bool {
        self.next_run += 1;
        let run = self.next_run;
        let cancel = Arc::new(AtomicBool::new(false));
        let entry = self.running.entry(name).or_insert_with(|| Running {
            runs: BTreeMap::new(),
            newest: run,
            policy,
        });
        if policy == Policy::Supersede {
            for flag in entry.runs.values() {
                flag.store(true, Ordering::Relaxed);
            }
        }
        entry.newest = run;
        entry.policy = policy;
        let context = TaskContext {
            name,
            run,
            sender: self.sender.clone(),
            repaint: Arc::clone(&self.repaint),
            cancel: Arc::clone(&cancel),
        };
        #[expect(
            clippy::disallowed_methods,
            reason = "the task layer is where the window's background threads start"
        )]
        let spawned = std::thread::Builder::new()
            .name(format!("riskdeck-{name}"))
            .spawn(move || {
                job(&context);
                // The receiver lives as long as the app; if it is gone the app is closing.
                let _closing = context.sender.send(Envelope {
                    name: context.name,
                    run: context.run,
                    event: Event::Finished,
                });
                (context.repaint)();
            });
        match spawned {
            Ok(_) => {
                entry.runs.insert(run, cancel);
                true
            }
            Err(e) => {
                tracing::error!("could not start the {name} task: {e}");
                false
            }
        }
    }

    /// Whether a task of `name` is running (for [`Policy::Supersede`], the newest one).
    pub fn is_running(&self, name: &str) -> bool {
        self.running.get(name).is_some_and(|r| match r.policy {
            Policy::Supersede => r.runs.contains_key(&r.newest),
            Policy::Keep => !r.runs.is_empty(),
        })
    }

    /// Whether any task is running.
    pub fn any_running(&self) -> bool {
        self.running.keys().any(|name| self.is_running(name))
    }

    /// Raises the cancel flag of every run of `name`; what they already sent is kept.
    pub fn cancel(&self, name: &str) {
        if let Some(running) = self.running.get(name) {
            for flag in running.runs.values() {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// The messages that arrived since the last call, oldest first, with their task's name;
    /// messages of superseded runs are dropped.
    pub fn poll(&mut self) -> Vec<(&'static str, M)> {
        let mut messages = Vec::new();
        while let Ok(envelope) = self.receiver.try_recv() {
            let Some(running) = self.running.get_mut(envelope.name) else {
                continue;
            };
            match envelope.event {
                Event::Finished => {
                    running.runs.remove(&envelope.run);
                }
                Event::Message(message) => {
                    if running.policy == Policy::Keep || envelope.run == running.newest {
                        messages.push((envelope.name, message));
                    }
                }
            }
        }
        messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait_until(tasks: &mut Tasks<u32>, seen: &mut Vec<u32>, done: impl Fn(&Tasks<u32>) -> bool) {
        for _ in 0..500 {
            seen.extend(tasks.poll().into_iter().map(|(_, m)| m));
            if done(tasks) {
                seen.extend(tasks.poll().into_iter().map(|(_, m)| m));
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("tasks did not finish");
    }

    #[test]
    fn a_newer_request_supersedes_the_older_one() {
        let mut tasks: Tasks<u32> = Tasks::new(|| {});
        // The first run waits until cancelled, then sends 1: it must be dropped.
        tasks.spawn("job", Policy::Supersede, |cx| {
            while !cx.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            cx.send(1);
        });
        tasks.spawn("job", Policy::Supersede, |cx| {
            cx.send(2);
        });
        let mut seen = Vec::new();
        wait_until(&mut tasks, &mut seen, |t| !t.is_running("job"));
        assert_eq!(seen, vec![2], "only the newest run's message arrives");
    }

    #[test]
    fn kept_runs_all_deliver_and_cancel_raises_the_flag() {
        let mut tasks: Tasks<u32> = Tasks::new(|| {});
        for n in 0..3 {
            tasks.spawn("save", Policy::Keep, move |cx| {
                cx.send(n);
            });
        }
        tasks.spawn("long", Policy::Supersede, |cx| {
            while !cx.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            cx.send(99);
        });
        assert!(tasks.is_running("long"));
        tasks.cancel("long");
        let mut seen = Vec::new();
        wait_until(&mut tasks, &mut seen, |t| !t.any_running());
        seen.sort_unstable();
        assert_eq!(
            seen,
            vec![0, 1, 2, 99],
            "every kept run and the cancelled one report"
        );
    }
}
