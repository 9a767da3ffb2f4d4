//! The documents: every relative link of README.md and docs/*.md names a file that exists, and
//! every `#anchor` a heading of its target; the README stays short and opens with the two
//! commands; and nothing cites the shared design documents, which live outside this repository.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The README's hard limit: a longer one is a manual again.
const README_MAX_LINES: usize = 400;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every `docs/*.md`, as paths relative to the repository.
fn documents() -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| PathBuf::from("docs").join(path.file_name().expect("a file name")))
        .collect();
    docs.sort();
    found.extend(docs);
    found
}

/// The lines of a Markdown text outside fenced code blocks, numbered from 1.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// A line without its inline code spans (`` `[a](b)` `` is no link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(fence) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                // An unmatched run of backticks is literal text.
                out.push_str(fence);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// GitHub's anchor for a heading: lower case, every character that is not alphanumeric (CJK
/// included), a space, `-` or `_` removed, then spaces turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings. A repeated heading gets `-1`, `-2`, … as on
/// GitHub.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut found = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let level = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&level) || !line[level..].starts_with([' ', '\t']) {
            continue;
        }
        let title = line[level..].trim().trim_end_matches('#').trim_end();
        let base = slug(title);
        let count = seen.entry(base.clone()).or_insert(0);
        found.insert(if *count == 0 { base.clone() } else { format!("{base}-{count}") });
        *count += 1;
    }
    found
}

/// The targets of the inline links and images on a line: `[text](target)`, `![alt](target)`.
fn link_targets(line: &str) -> Vec<String> {
    let line = without_code_spans(line);
    let mut targets = Vec::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or("");
        let target = target.trim_start_matches('<').trim_end_matches('>');
        if !target.is_empty() {
            targets.push(target.to_owned());
        }
        rest = &after[end..];
    }
    targets
}

/// `path` joined to `base` with `.` and `..` worked out, without touching the file system.
fn normalize(base: &Path, path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn read(relative: &Path) -> String {
    fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{} is readable: {e}", relative.display()))
}

#[test]
fn every_relative_link_of_the_documents_names_a_file_and_an_anchor_that_exist() {
    let mut anchors_of: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in documents() {
        let text = read(&document);
        let folder = document.parent().unwrap_or(Path::new("")).to_path_buf();
        for (number, line) in prose_lines(&text) {
            for target in link_targets(line) {
                if target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((path, anchor)) => (path, Some(anchor)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() { document.clone() } else { normalize(&folder, path) };
                let place = format!("{}:{number}: `{target}`", document.display());
                if !root().join(&file).exists() {
                    broken.push(format!("{place}: no file {}", file.display()));
                    continue;
                }
                let Some(anchor) = anchor else { continue };
                if file.extension().is_none_or(|ext| ext != "md") {
                    continue;
                }
                let known = anchors_of.entry(file.clone()).or_insert_with(|| anchors(&read(&file)));
                if !known.contains(anchor) {
                    broken.push(format!("{place}: no heading #{anchor} in {}", file.display()));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} relative links were found: the scan is broken");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_is_short_and_starts_with_the_two_commands() {
    let readme = read(Path::new("README.md"));
    let lines = readme.lines().count();
    assert!(
        lines < README_MAX_LINES,
        "README.md has {lines} lines; keep it under {README_MAX_LINES} and move the rest to docs/"
    );
    for command in ["cargo run --release -- serve --demo", "cargo test"] {
        assert!(readme.contains(command), "README.md does not show `{command}`");
    }
}

/// Files worth reading as text under `dir`, skipping build output and version control.
fn text_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "work" | ".git" | "node_modules") {
                text_files(&path, found);
            }
        } else if entry.metadata().is_ok_and(|m| m.len() <= 4 * 1024 * 1024) {
            found.push(path);
        }
    }
}

#[test]
fn nothing_cites_the_shared_design_documents() {
    // Spelt in two pieces, so that this file does not cite it either.
    let cited = ["../shared/", "design"].concat();
    let mut files = vec![root().join("README.md")];
    for dir in ["src", "tests", "docs", "bench"] {
        text_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "only {} files were scanned", files.len());
    let citing: Vec<String> = files
        .iter()
        // Binary files (the screenshot, the test photos) are not text: skipped.
        .filter_map(|path| fs::read_to_string(path).ok().map(|text| (path, text)))
        .filter(|(_, text)| text.contains(&cited))
        .map(|(path, _)| path.strip_prefix(root()).unwrap_or(path).display().to_string())
        .collect();
    assert!(citing.is_empty(), "these files cite {cited}, which is not part of this repository: {citing:?}");
}

#[test]
fn anchors_are_computed_as_github_does() {
    assert_eq!(slug("Safe retries: `idempotencyKey`"), "safe-retries-idempotencykey");
    assert_eq!(
        slug("The departments' scoreboard: `departmentScoreboard`"),
        "the-departments-scoreboard-departmentscoreboard"
    );
    assert_eq!(
        slug("Before tuning (commit `d9b479c`, another machine)"),
        "before-tuning-commit-d9b479c-another-machine"
    );
    assert_eq!(slug("问题整改 台账"), "问题整改-台账");
    let found = anchors("# Title\n\n```sh\n# not a heading\n```\n\n## Worked examples\n\n### Worked examples\n");
    let expected: BTreeSet<String> = ["title", "worked-examples", "worked-examples-1"].map(String::from).into();
    assert_eq!(found, expected);
    assert_eq!(link_targets("see [a](x.md#y), `[b](z.md)` and ![c](d.png)"), ["x.md#y", "d.png"]);
}
