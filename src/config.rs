//! The TOML configuration file: settings for every command in one file, for deployments.
//!
//! A file given by `--config FILE` (or `PDN_CONFIG`) sets flags the way their environment variables
//! do. Its top-level keys apply to every command that has the flag (`lake = "/var/lib/pdn/lake"`);
//! a table per command (`[ingest]`, `[serve]`, nested commands as `[users.add]`) holds keys for that
//! command only, and wins over a top-level key. A key is a long flag name as `--help` prints it
//! without the dashes; a value is a string, an integer, a float, a boolean (a switch) or, for a
//! repeatable flag, an array.
//!
//! Invariants: precedence is command line > environment > file > built-in default (the file only
//! fills environment variables that are unset, before the command line is parsed); every key of the
//! file is checked against the commands, whichever command runs, so a typo is an error naming the
//! file, the table and the key rather than a setting silently ignored.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use clap::{Arg, ArgAction, Command};

/// The variable naming the configuration file when `--config` is not given.
pub const ENV: &str = "PDN_CONFIG";

/// What a configuration file sets: for each command path (e.g. `["users", "add"]`, or empty for the
/// top level), its keys and values, checked against the flags they name.
#[derive(Debug, Default)]
pub struct Settings {
    path: PathBuf,
    by_command: BTreeMap<Vec<String>, toml::Table>,
}

impl Settings {
    /// Reads and checks the file against the command-line interface `cli`.
    pub fn load(cli: &Command, path: &Path) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        Settings::parse(cli, path, &text)
    }

    /// Checks `text` (the contents of `path`) against the command-line interface `cli`.
    pub fn parse(cli: &Command, path: &Path, text: &str) -> anyhow::Result<Settings> {
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        let mut settings = Settings {
            path: path.to_owned(),
            by_command: BTreeMap::new(),
        };
        settings.read_table(cli, &[], &table)?;
        Ok(settings)
    }

    /// Reads the keys of the table of the command at `at` (`cli` itself when empty).
    fn read_table(
        &mut self,
        cli: &Command,
        at: &[String],
        table: &toml::Table,
    ) -> anyhow::Result<()> {
        let command = find(cli, at).expect("tables are only read for known commands");
        for (key, value) in table {
            let place = place(&self.path, at, key);
            if let toml::Value::Table(inner) = value {
                let path = [at, std::slice::from_ref(key)].concat();
                if find(cli, &path).is_none() {
                    bail!("{place}: no command `pdn {}`", path.join(" "));
                }
                self.read_table(cli, &path, inner)?;
                continue;
            }
            if at.is_empty() {
                let flags: Vec<&Arg> = leaves(cli)
                    .into_iter()
                    .filter_map(|(_, command)| settable(command, key))
                    .collect();
                if flags.is_empty() {
                    bail!("{place}: no command has a flag --{key}");
                }
                for arg in flags {
                    value_text(arg, value).with_context(|| place.clone())?;
                }
            } else {
                let arg = settable(command, key).ok_or_else(|| {
                    anyhow!(
                        "{place}: `pdn {}` has no flag --{key} (it has: {})",
                        at.join(" "),
                        keys(command).join(", ")
                    )
                })?;
                value_text(arg, value).with_context(|| place.clone())?;
            }
            self.by_command
                .entry(at.to_vec())
                .or_default()
                .insert(key.clone(), value.clone());
        }
        Ok(())
    }

    /// The environment variables the file sets for the command at `path`: the top-level keys that
    /// command has, overridden by its own table's.
    pub fn for_command(&self, cli: &Command, path: &[String]) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        let Some(command) = find(cli, path).filter(|_| !path.is_empty()) else {
            return vars;
        };
        for at in [&[][..], path] {
            for (key, value) in self.by_command.get(at).into_iter().flatten() {
                if let Some(arg) = settable(command, key) {
                    let env = arg.get_env().expect("settable flags have a variable");
                    let text = value_text(arg, value).expect("checked when the file was read");
                    vars.insert(env.to_string_lossy().into_owned(), text);
                }
            }
        }
        vars
    }

    /// What the file sets for each command that runs, by command (e.g. `users add`), leaving out
    /// the commands it sets nothing for.
    pub fn by_leaf(&self, cli: &Command) -> Vec<(String, BTreeMap<String, String>)> {
        leaves(cli)
            .into_iter()
            .map(|(path, _)| (path.join(" "), self.for_command(cli, &path)))
            .filter(|(_, vars)| !vars.is_empty())
            .collect()
    }

    /// Sets, for the command `args` run, the variables the file sets and the environment does not.
    pub fn apply(&self, cli: &Command, args: &[OsString]) {
        for (env, value) in self.for_command(cli, &command_path(cli, args)) {
            if std::env::var_os(&env).is_none() {
                std::env::set_var(env, value);
            }
        }
    }
}

/// Loads the configuration file named by `--config` in `args` or by `PDN_CONFIG`, if any, and sets
/// the environment variables it gives the command `args` run. The interface `cli` is built only
/// when there is a file.
pub fn apply_to_environment(
    cli: impl FnOnce() -> Command,
    args: &[OsString],
) -> anyhow::Result<()> {
    let Some(path) = config_path(args) else {
        return Ok(());
    };
    let cli = cli();
    Settings::load(&cli, &path)?.apply(&cli, args);
    Ok(())
}

/// The configuration file named by `--config FILE`, `--config=FILE` or `PDN_CONFIG`.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    match std::env::var_os(ENV) {
        Some(path) if path.is_empty() => {
            // An empty variable means no file (clap would refuse it as a path).
            std::env::remove_var(ENV);
            None
        }
        path => path.map(PathBuf::from),
    }
}

/// The subcommand names at the start of `args` (e.g. `["users", "add"]`), skipping flags.
fn command_path(cli: &Command, args: &[OsString]) -> Vec<String> {
    let mut path = Vec::new();
    let mut command = cli;
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            args.next();
            continue;
        }
        if text.starts_with('-') {
            continue;
        }
        match command.find_subcommand(text.as_ref()) {
            Some(sub) => {
                path.push(sub.get_name().to_owned());
                command = sub;
            }
            None => break,
        }
    }
    path
}

/// The command at `path` below `cli`.
fn find<'a>(cli: &'a Command, path: &[String]) -> Option<&'a Command> {
    path.iter()
        .try_fold(cli, |command, name| command.find_subcommand(name))
}

/// Every command that runs (has no subcommand), with its path.
fn leaves(cli: &Command) -> Vec<(Vec<String>, &Command)> {
    fn walk<'a>(
        command: &'a Command,
        path: Vec<String>,
        out: &mut Vec<(Vec<String>, &'a Command)>,
    ) {
        if command.has_subcommands() {
            for sub in command.get_subcommands() {
                let mut path = path.clone();
                path.push(sub.get_name().to_owned());
                walk(sub, path, out);
            }
        } else {
            out.push((path, command));
        }
    }
    let mut out = Vec::new();
    walk(cli, Vec::new(), &mut out);
    out.retain(|(path, _)| !path.is_empty() && path[0] != "help");
    out
}

/// The flag of `command` a file may set under `key`: every flag with a variable but `--config`.
fn settable<'a>(command: &'a Command, key: &str) -> Option<&'a Arg> {
    command
        .get_arguments()
        .find(|arg| key_of(arg) == key && arg.get_env().is_some() && key != "config")
}

/// The key naming `arg` in a file: its long flag, or its id for a positional argument.
fn key_of(arg: &Arg) -> String {
    arg.get_long()
        .map(str::to_owned)
        .unwrap_or_else(|| arg.get_id().as_str().replace('_', "-"))
}

/// The keys a file may set for `command`.
fn keys(command: &Command) -> Vec<String> {
    command
        .get_arguments()
        .filter(|arg| arg.get_env().is_some() && key_of(arg) != "config")
        .map(key_of)
        .collect()
}

/// Where a key sits, for error messages: `pdn.toml [ingest] max-latency`.
fn place(path: &Path, at: &[String], key: &str) -> String {
    if at.is_empty() {
        format!("{} {key}", path.display())
    } else {
        format!("{} [{}] {key}", path.display(), at.join("."))
    }
}

/// The text of `value` as the flag's environment variable takes it.
fn value_text(arg: &Arg, value: &toml::Value) -> anyhow::Result<String> {
    let switch = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
    match value {
        toml::Value::Boolean(on) if switch => Ok(on.to_string()),
        _ if switch => bail!("a switch takes true or false"),
        toml::Value::String(text) => Ok(text.clone()),
        toml::Value::Integer(number) => Ok(number.to_string()),
        toml::Value::Float(number) => Ok(number.to_string()),
        toml::Value::Array(items) => {
            let delimiter = arg
                .get_value_delimiter()
                .ok_or_else(|| anyhow!("this flag takes one value, not a list"))?;
            let texts = items
                .iter()
                .map(|item| match item {
                    toml::Value::Table(_) | toml::Value::Array(_) => {
                        bail!("a list holds strings or numbers")
                    }
                    toml::Value::String(text) if text.contains(delimiter) => {
                        bail!("a list item cannot contain `{delimiter}`")
                    }
                    toml::Value::String(text) => Ok(text.clone()),
                    other => Ok(other.to_string()),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(texts.join(&delimiter.to_string()))
        }
        toml::Value::Boolean(_) => bail!("only a switch takes true or false"),
        toml::Value::Datetime(instant) => Ok(instant.to_string()),
        toml::Value::Table(_) => unreachable!("tables are commands"),
    }
}

/// The reference of the file format: every key of every command, its variable, default and help,
/// as Markdown (docs/config.md is this text).
pub fn reference(cli: &Command) -> String {
    let mut out = String::from(REFERENCE_HEAD);
    for (path, command) in leaves(cli) {
        let settable: Vec<&Arg> = command
            .get_arguments()
            .filter(|arg| arg.get_env().is_some() && key_of(arg) != "config")
            .collect();
        if settable.is_empty() {
            continue;
        }
        let about = command
            .get_about()
            .map(|about| about.to_string())
            .unwrap_or_default();
        let _ = writeln!(out, "\n## `[{}]`\n\n{about}\n", path.join("."));
        out.push_str("| Key | Variable | Default | Meaning |\n|---|---|---|---|\n");
        for arg in settable {
            let default = arg
                .get_default_values()
                .iter()
                .map(|value| value.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", ");
            let kind = if matches!(arg.get_action(), ArgAction::SetTrue) {
                "a switch: true or false"
            } else if arg.get_value_delimiter().is_some() {
                "a list"
            } else {
                ""
            };
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let meaning = if kind.is_empty() {
                help
            } else {
                format!("{help}; {kind}")
            };
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                key_of(arg),
                arg.get_env().expect("settable").to_string_lossy(),
                if default.is_empty() {
                    "—".to_owned()
                } else {
                    format!("`{default}`")
                },
                meaning.replace('|', "\\|").replace('\n', " ")
            );
        }
    }
    out
}

const REFERENCE_HEAD: &str = "# The configuration file

<!-- Generated by `pdn config reference`; a test keeps it equal to the command-line interface. -->

`pdn --config FILE <command>` (or `PDN_CONFIG=FILE`) reads settings from a TOML file, so that a
deployment keeps them in one place (`deploy/pdn.toml` is the production example). Check a file with
`pdn config check --config FILE`.

- **Top-level keys** apply to every command that has the flag: `lake = \"/var/lib/pdn/lake\"`.
- **A table per command** holds keys for that command only and wins over a top-level key:
  `[ingest]`, `[serve]`; nested commands are dotted: `[users.add]`.
- **A key** is the long flag without its dashes (`max-batch-events = 100000`); **a value** is a
  string, an integer, a float, `true`/`false` for a switch, or an array for a list flag
  (`kafka-set = [\"security.protocol=ssl\"]`).
- **Precedence**: command line, then environment variable, then the file, then the built-in default.
- **An unknown key is an error** naming the file, the table and the key, whichever command runs.

Every key, by command:
";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn cli() -> Command {
        crate::Cli::command()
    }

    fn settings(text: &str) -> anyhow::Result<Settings> {
        Settings::parse(&cli(), Path::new("pdn.toml"), text)
    }

    fn vars(settings: &Settings, path: &[&str]) -> Vec<(String, String)> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        settings.for_command(&cli(), &path).into_iter().collect()
    }

    #[test]
    fn the_reference_in_docs_is_the_interface() {
        let expected = reference(&cli());
        let committed = include_str!("../docs/config.md");
        assert!(
            committed == expected,
            "docs/config.md is stale: run `pdn config reference > docs/config.md`"
        );
    }

    #[test]
    fn a_command_table_wins_over_top_level_keys_which_apply_where_the_flag_exists() {
        let file = settings(
            "lake = \"/srv/lake\"\nlisten = \"0.0.0.0:1\"\n\
             [serve]\nlisten = \"0.0.0.0:5432\"\nquery-timeout-s = 30\n\
             [ingest]\nkafka-set = [\"a=b\", \"c=d\"]\nuntil-idle = true\n",
        )
        .unwrap();
        let var = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            vars(&file, &["serve"]),
            [
                var("PDN_LAKE", "/srv/lake"),
                var("PDN_LISTEN", "0.0.0.0:5432"),
                var("PDN_QUERY_TIMEOUT_S", "30"),
            ]
        );
        assert_eq!(
            vars(&file, &["collect"]),
            [var("PDN_LAKE", "/srv/lake"), var("PDN_LISTEN", "0.0.0.0:1")]
        );
        assert_eq!(
            vars(&file, &["ingest"]),
            [
                var("PDN_KAFKA_SET", "a=b;c=d"),
                var("PDN_LAKE", "/srv/lake"),
                var("PDN_UNTIL_IDLE", "true"),
            ]
        );
        assert!(vars(&file, &["generate"]).is_empty());
    }

    #[test]
    fn command_paths_skip_flags_and_the_config_file() {
        let args = |list: &[&str]| -> Vec<OsString> { list.iter().map(OsString::from).collect() };
        assert_eq!(
            command_path(
                &cli(),
                &args(&["pdn", "--config", "users", "users", "add", "x"])
            ),
            ["users", "add"]
        );
        assert_eq!(
            command_path(&cli(), &args(&["pdn", "serve", "--lake", "serve"])),
            ["serve"]
        );
        assert_eq!(
            config_path(&args(&["pdn", "serve", "--config=a.toml"])),
            Some(PathBuf::from("a.toml"))
        );
    }

    /// Every pdn command of docker-compose.yml (one JSON array per `command:` line) is accepted by
    /// the interface with deploy/pdn.toml applied, as the containers run them.
    #[test]
    fn the_deployment_runs_commands_pdn_accepts() {
        let file = Settings::parse(
            &cli(),
            Path::new("deploy/pdn.toml"),
            include_str!("../deploy/pdn.toml"),
        )
        .unwrap();
        let compose = include_str!("../docker-compose.yml");
        let commands: Vec<Vec<String>> = compose
            .lines()
            .filter_map(|line| line.trim().strip_prefix("command: "))
            .map(|list| serde_json::from_str(list).expect("a command is a JSON array"))
            .collect();
        assert!(commands.len() >= 6, "{commands:?}");
        for command in commands {
            let args: Vec<OsString> = std::iter::once("pdn".into())
                .chain(command.iter().map(OsString::from))
                .collect();
            let vars = file.for_command(&cli(), &command_path(&cli(), &args));
            for (env, value) in &vars {
                std::env::set_var(env, value);
            }
            let parsed = cli().try_get_matches_from(&args);
            for env in vars.keys() {
                std::env::remove_var(env);
            }
            if let Err(error) = parsed {
                panic!(
                    "docker-compose.yml runs `pdn {}`: {error}",
                    command.join(" ")
                );
            }
        }
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        for (text, expected) in [
            ("lak = 1", "pdn.toml lak: no command has a flag --lak"),
            (
                "[ingest]\nlistn = 1",
                "pdn.toml [ingest] listn: `pdn ingest` has no flag",
            ),
            (
                "[ingst]\nlake = 1",
                "pdn.toml ingst: no command `pdn ingst`",
            ),
            ("[ingest]\nuntil-idle = 1", "a switch takes true or false"),
            ("[ingest]\nlake = true", "only a switch takes true or false"),
            ("[ingest]\nlake = [\"a\"]", "takes one value, not a list"),
            ("[ingest]\nkafka-set = [\"a=b;c=d\"]", "cannot contain `;`"),
            ("[serve]\nconfig = \"x\"", "has no flag --config"),
            ("[ingest\n", "is not valid TOML"),
        ] {
            let error = format!("{:#}", settings(text).unwrap_err());
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
