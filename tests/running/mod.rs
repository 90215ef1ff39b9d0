//! An `otai` process running in the background for end-to-end tests that talk to it while
//! it runs (its listener) or signal it: its output is collected as it comes, and a test
//! waits for a line, for the address it listens on, or for its exit.

#![allow(dead_code)] // Each test target uses its own subset.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `otai` and everything it printed so far (stdout and stderr, by line).
pub struct Running {
    child: Child,
    output: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            let mut output = output.lock().unwrap();
            output.push_str(&line);
            output.push('\n');
        }
    })
}

impl Running {
    /// Starts `command` with its output piped.
    pub fn start(command: &mut Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the otai binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), Arc::clone(&output)),
            collect(child.stderr.take().unwrap(), Arc::clone(&output)),
        ];
        Self {
            child,
            output,
            readers,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the output satisfies `done` (checked every 20 ms); panics with the output
    /// after `within` or when the process exits first.
    pub fn wait_for_output(&mut self, what: &str, within: Duration, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            if done(&self.output()) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the readers drain what is left before judging and reporting.
                std::thread::sleep(Duration::from_millis(100));
                if done(&self.output()) {
                    return;
                }
                panic!("otai exited ({status}) before {what}:\n{}", self.output());
            }
            assert!(
                start.elapsed() < within,
                "no {what} within {within:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The address its listener bound (from the log line `listening on http://ADDR: …`).
    pub fn listen_address(&mut self) -> String {
        const MARK: &str = "listening on http://";
        self.wait_for_output("the listener", Duration::from_secs(30), |out| {
            out.contains(MARK)
        });
        let output = self.output();
        let start = output.find(MARK).unwrap() + MARK.len();
        // `listening on http://127.0.0.1:43109: GET /metrics, …`
        let end = output[start..].find(": ").unwrap();
        output[start..start + end].to_owned()
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("the kill command runs");
        assert!(status.success(), "kill -{signal} {} failed", self.pid());
    }

    /// Waits for the exit, at most `within` (then kills it and panics).
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return status;
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("otai did not exit within {within:?}:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that failed midway leaves no process behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
