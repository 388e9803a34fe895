//! Running the real `jiugai` binary in tests.
#![allow(dead_code)]

use std::process::{Command, Output};

use serde_json::Value;

/// `jiugai ARGS` on the database `url`, in the default language.
pub fn jiugai(url: &str, args: &[&str]) -> Output {
    jiugai_with(url, &[], args)
}

/// The same with extra environment variables (e.g. `JIUGAI_TODAY`).
pub fn jiugai_with(url: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jiugai"));
    c.env("JIUGAI_DATABASE_URL", url).env_remove("JIUGAI_LANG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run jiugai")
}

/// Standard output as JSON (the panic shows both streams).
pub fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}
