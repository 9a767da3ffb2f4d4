//! `seed`: fills a freshly migrated Rectify database (run `rectify migrate` first) with a
//! deterministic county at scale. See `bench/README.md`.

mod county;
mod rng;
mod sink;

use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use county::{Generator, Ids, PHOTO};
use rng::Rng;
use sink::Db;

const USAGE: &str = "usage: seed --database-url URL [--issues N] [--seed S] [--now YYYY-MM-DD] [--batch N] \
[--evidence-store file://DIR]

  --database-url   sqlite://FILE or postgres://…; default $RECTIFY_DATABASE_URL. The schema must
                   exist (`rectify migrate`) and hold no departments yet.
  --issues         issues to generate (default 10000)
  --seed           the random seed (default 6); the same seed, size and --now give the same data
  --now            the day the history ends (default: today, UTC); every event lies before it
  --batch          issues per transaction (default 2000)
  --evidence-store where the server keeps evidence bytes: the one photo all generated evidence
                   rows point at is written there, so downloads work (optional)";

struct Args {
    url: String,
    issues: i64,
    seed: u64,
    now: DateTime<Utc>,
    batch: i64,
    evidence_store: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        url: std::env::var("RECTIFY_DATABASE_URL").unwrap_or_default(),
        issues: 10_000,
        seed: 6,
        now: Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        batch: 2_000,
        evidence_store: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--database-url" => args.url = value,
            "--issues" => args.issues = value.replace('_', "").parse().context("--issues")?,
            "--seed" => args.seed = value.parse().context("--seed")?,
            "--now" => {
                let day: NaiveDate = value.parse().context("--now is YYYY-MM-DD")?;
                args.now = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            }
            "--batch" => args.batch = value.parse().context("--batch")?,
            "--evidence-store" => args.evidence_store = Some(value),
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    if args.url.is_empty() {
        bail!("give --database-url (or set RECTIFY_DATABASE_URL)\n{USAGE}");
    }
    if args.issues < 1 || args.batch < 1 {
        bail!("--issues and --batch must be at least 1");
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let db = Db::connect(&args.url).await?;
    let departments = db
        .scalar("SELECT COUNT(*) FROM department")
        .await
        .context("reading the schema: run `rectify migrate` on this database first")?;
    if departments > 0 {
        bail!("the database already holds {departments} departments: seed only a freshly migrated one");
    }
    let sha256 = format!("{:x}", Sha256::digest(PHOTO));
    if let Some(store) = &args.evidence_store {
        let dir = store.strip_prefix("file://").unwrap_or(store);
        let path = std::path::Path::new(dir).join("sha256").join(&sha256[..2]).join(&sha256[2..4]);
        std::fs::create_dir_all(&path)?;
        std::fs::write(path.join(&sha256), PHOTO)?;
    }

    let mut rng = Rng::new(args.seed);
    let enterprises = (args.issues / 100).clamp(10, 20_000) as usize;
    let (tables, reference) = county::reference(&mut rng, args.now, enterprises);
    db.write(&tables).await?;

    // Generation runs on its own thread, one batch ahead of the database.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<sink::Table>>(2);
    let (issues, batch, seed, now) = (args.issues, args.batch, args.seed, args.now);
    let shared = reference.clone();
    let generator = std::thread::spawn(move || -> Ids {
        let generator = Generator { reference: &shared, now, sha256 };
        let mut ids = Ids::default();
        // Registrations spread over the last three years, one after the other.
        let first = now - Duration::days(3 * 365);
        let span = (now - Duration::days(1) - first).num_microseconds().unwrap_or(1) as f64;
        let mut id = 1;
        while id <= issues {
            let mut tables = county::issue_tables();
            let end = (id + batch - 1).min(issues);
            for n in id..=end {
                let mut rng = Rng::derive(seed, n as u64);
                let offset = span * ((n - 1) as f64 + 0.9 * rng.unit()) / issues as f64;
                let created = first + Duration::microseconds(offset as i64);
                generator.issue(&mut rng, &mut ids, &mut tables, n, created);
            }
            if sender.blocking_send(tables).is_err() {
                break;
            }
            id = end + 1;
        }
        ids
    });
    let mut written = 0usize;
    let mut rows = 0usize;
    while let Some(tables) = receiver.recv().await {
        rows += tables.iter().map(sink::Table::rows).sum::<usize>();
        written += tables[0].rows();
        db.write(&tables).await?;
        if written % 50_000 < args.batch as usize || written == args.issues as usize {
            eprintln!("seed: {written} issues, {rows} rows, {:.1}s", started.elapsed().as_secs_f64());
        }
    }
    let ids = generator.join().map_err(|_| anyhow::anyhow!("the generator thread panicked"))?;
    if written != args.issues as usize {
        bail!("only {written} of {} issues were generated", args.issues);
    }

    let cases = (args.issues / 200).clamp(7, 20_000) as usize;
    db.write(&county::cases(&mut rng, &reference, args.issues, args.now, cases)).await?;

    if let Db::Postgres(_) = db {
        // Ids were given explicitly: move each sequence past them, then let the planner see
        // the data as autovacuum would have by the time such a ledger is in use.
        for table in [
            "department",
            "inspection_round",
            "aspect",
            "category",
            "enterprise",
            "issue",
            "issue_event",
            "milestone",
            "progress_report",
            "site_inspection",
            "deadline_extension",
            "evidence",
            "evidence_citation",
            "accountability_case",
            "case_measure",
            "case_event",
        ] {
            db.execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .await?;
        }
        db.execute("VACUUM ANALYZE").await?;
    }
    eprintln!(
        "seed: done in {:.1}s: {} issues, {} events, {} progress reports, {} milestones, {} evidence, {} cases, {} rows in all",
        started.elapsed().as_secs_f64(),
        args.issues,
        ids.event,
        ids.report,
        ids.milestone,
        ids.evidence,
        cases,
        rows
    );
    Ok(())
}
