//! A check that the service modules depend on one another without a cycle, so that each can
//! be read (and changed) knowing only the ones below it.
//!
//! Module `a` depends on module `b` when `a`'s source names `b` in a path (`super::b`,
//! `crate::service::b`, or inside `super::{…}`), or calls a method of `Services` (`self.f(`)
//! that only `b` defines. A folder (`field_work/`) is one module; its files' references to one
//! another are not counted. Unit tests at the end of a file are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The service modules and the text of their files, `mod.rs` (the kernel: `Services`) left out.
fn modules(root: &Path) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(root).expect("src/service") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("a file name").to_owned();
        let text = if path.is_dir() {
            files_under(&path).iter().map(|file| without_tests(&read(file))).collect::<Vec<_>>().join("\n")
        } else if name != "mod" && path.extension().is_some_and(|e| e == "rs") {
            without_tests(&read(&path))
        } else {
            continue;
        };
        modules.insert(name, text);
    }
    modules
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a module folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("a source file")
}

/// The code of a file: its unit tests and comment lines left out.
fn without_tests(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The identifiers that follow each occurrence of `prefix` (and those listed in `prefix{…}`).
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                let first: String = part.trim().chars().take_while(|&c| is_name(c)).collect();
                names.insert(first);
            }
        } else {
            names.insert(rest.chars().take_while(|&c| is_name(c)).collect());
        }
    }
    names
}

/// The functions a module defines.
fn functions(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let (_, after) = line.split_once("fn ")?;
            let before = &line[..line.len() - after.len() - 3];
            let words_before_are_modifiers =
                before.split_whitespace().all(|w| matches!(w, "pub" | "pub(crate)" | "pub(super)" | "async" | "const"));
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            (words_before_are_modifiers && !name.is_empty()).then_some(name)
        })
        .collect()
}

fn dependencies(modules: &BTreeMap<String, String>) -> BTreeMap<&str, BTreeSet<&str>> {
    let defined_in: Vec<(&str, BTreeSet<String>)> =
        modules.iter().map(|(name, text)| (name.as_str(), functions(text))).collect();
    modules
        .iter()
        .map(|(name, text)| {
            let mut named = names_after(text, "super::");
            named.extend(names_after(text, "crate::service::"));
            let mut deps: BTreeSet<&str> = modules.keys().map(String::as_str).filter(|m| named.contains(*m)).collect();
            for called in names_after(text, "self.") {
                let owners: Vec<&str> =
                    defined_in.iter().filter(|(_, fns)| fns.contains(&called)).map(|(m, _)| *m).collect();
                if let [owner] = owners[..] {
                    deps.insert(owner);
                }
            }
            deps.remove(name.as_str());
            (name.as_str(), deps)
        })
        .collect()
}

/// A cycle through the graph, as the modules on it, if there is one.
fn find_cycle<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn service_modules_depend_on_one_another_without_a_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
    let modules = modules(&root);
    let graph = dependencies(&modules);
    // The check sees what it should: the use cases that take issue steps depend on them.
    assert!(graph["issue_lifecycle"].contains("issue_step"), "{graph:?}");
    assert!(graph["field_work"].contains("idempotency"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the service modules depend on one another in a cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn a_cycle_is_found() {
    let graph =
        BTreeMap::from([("a", BTreeSet::from(["b"])), ("b", BTreeSet::from(["c"])), ("c", BTreeSet::from(["a"]))]);
    assert_eq!(find_cycle(&graph), Some(vec!["a", "b", "c", "a"]));
    let graph =
        BTreeMap::from([("a", BTreeSet::from(["b", "c"])), ("b", BTreeSet::from(["c"])), ("c", BTreeSet::new())]);
    assert_eq!(find_cycle(&graph), None);
}
