//! `tidings-devserver [--host 127.0.0.1] [--port 0] [--www DIR] [--pkg DIR]
//! [--port-file PATH] [--exit-after SECS]`
//!
//! Prints `tidings-devserver listening on http://127.0.0.1:PORT` once listening, then serves
//! until SIGINT/SIGTERM or `--exit-after`.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tidings_devserver::{Config, Server};

const USAGE: &str = "usage: tidings-devserver [--host 127.0.0.1] [--port 0] [--www DIR] [--pkg DIR] [--port-file PATH] [--exit-after SECS]";

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--host" => {
                let v = value()?;
                let ip: IpAddr = if v == "localhost" {
                    IpAddr::from([127, 0, 0, 1])
                } else {
                    v.trim_matches(|c| c == '[' || c == ']')
                        .parse()
                        .map_err(|_| format!("--host: not an IP address: {v}"))?
                };
                if !ip.is_loopback() {
                    return Err(format!(
                        "--host {ip}: refusing a non-loopback address; use 127.0.0.1 (or any 127.0.0.0/8) or ::1"
                    ));
                }
                config.host = ip;
            }
            "--port" => {
                let v = value()?;
                config.port = v.parse().map_err(|_| format!("--port: bad port: {v}"))?;
            }
            "--www" => config.www = Some(PathBuf::from(value()?)),
            "--pkg" => config.pkg = Some(PathBuf::from(value()?)),
            "--port-file" => config.port_file = Some(PathBuf::from(value()?)),
            "--exit-after" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| format!("--exit-after: bad number of seconds: {v}"))?;
                config.exit_after = Some(Duration::from_secs_f64(secs));
            }
            other => return Err(format!("unknown argument: {other}\n{USAGE}")),
        }
    }
    for (name, dir) in [("--www", &config.www), ("--pkg", &config.pkg)] {
        if let Some(dir) = dir
            && !dir.is_dir()
        {
            return Err(format!("{name}: not a directory: {}", dir.display()));
        }
    }
    Ok(config)
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal sent right after the "listening" line counts.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("tidings-devserver: {msg}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tidings-devserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match Server::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tidings-devserver: {e}");
                return ExitCode::FAILURE;
            }
        };
        let stop = match stop_signal() {
            Ok(stop) => stop,
            Err(e) => {
                eprintln!("tidings-devserver: cannot install signal handlers: {e}");
                return ExitCode::FAILURE;
            }
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "tidings-devserver listening on {}", server.url());
            let _ = out.flush();
        }
        let state = server.state().clone();
        tokio::spawn(async move {
            stop.await;
            state.begin_shutdown();
        });
        match server.wait().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tidings-devserver: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn refuses_non_loopback_hosts() {
        for host in ["0.0.0.0", "192.168.1.2", "::", "8.8.8.8"] {
            let err = parse_args(args(&format!("--host {host}"))).unwrap_err();
            assert!(err.contains("loopback"), "{host}: {err}");
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            assert!(
                parse_args(args(&format!("--host {host}"))).is_ok(),
                "{host}"
            );
        }
    }

    #[test]
    fn parses_all_flags() {
        let c = parse_args(args("--port=0 --exit-after 1.5 --port-file /tmp/x")).unwrap();
        assert_eq!(c.port, 0);
        assert_eq!(c.exit_after, Some(std::time::Duration::from_millis(1500)));
        assert!(parse_args(args("--bogus")).is_err());
        assert!(parse_args(args("--port")).is_err());
    }
}
