//! The ledger as an XLSX workbook, written with rust_xlsxwriter in constant-memory mode: each
//! row goes to the worksheet's temporary file as it is written, so memory stays flat however
//! long the ledger is. Writing is CPU and disk work, so it runs on a blocking thread and is fed
//! pages through a bounded channel.

use std::fs::File;
use std::io::{Seek, SeekFrom};

use anyhow::Context;
use chrono::Datelike;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use tokio::sync::mpsc::Receiver;

use super::ledger_columns::{COLUMNS, Cell, cells};
use crate::service::ledger::LedgerRow;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The sheet's name, as offices call the list.
const SHEET_NAME: &str = "问题整改台账";

/// What the reading side sends the writer.
pub enum Feed {
    Rows(Vec<LedgerRow>),
    /// Every page has been sent: save the workbook.
    End,
}

/// Writes the pages as they arrive, then saves the workbook into an anonymous temporary file
/// (gone once closed) and returns it rewound. Call it on a blocking thread: it blocks on the
/// channel. When the sender goes away without `End` (reading failed, or the request future was
/// dropped), it stops without spending the compression on a file nobody will get. (actix-web
/// keeps running a handler whose HTTP/1 client has gone, so a client that gives up does not
/// by itself stop a workbook; the per-subject rate limit bounds that cost.)
pub fn write_workbook(mut feed: Receiver<Feed>) -> anyhow::Result<File> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet_with_constant_memory().context("creating the worksheet")?;
    sheet.set_name(SHEET_NAME)?;
    for (index, column) in COLUMNS.iter().enumerate() {
        let index = index as u16;
        sheet.set_column_width(index, column.width)?;
        sheet.write_string_with_format(0, index, column.header, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut serial: u64 = 0;
    loop {
        match feed.blocking_recv() {
            Some(Feed::Rows(rows)) => {
                for row in &rows {
                    serial += 1;
                    write_row(sheet, serial, row, &date)?;
                }
            }
            Some(Feed::End) => break,
            None => anyhow::bail!("the workbook was abandoned after {serial} rows"),
        }
    }
    let mut file = tempfile::tempfile().context("creating a temporary file for the workbook")?;
    workbook.save_to_writer(&mut file).context("saving the workbook")?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

fn write_row(sheet: &mut Worksheet, serial: u64, row: &LedgerRow, date: &Format) -> anyhow::Result<()> {
    // Row 0 holds the headers; the sheet has room for 1,048,575 ledger rows.
    let at = u32::try_from(serial).context("more rows than a worksheet holds")?;
    for (column, cell) in cells(serial, row).into_iter().enumerate() {
        let column = column as u16;
        match cell {
            Cell::Number(number) => {
                sheet.write_number(at, column, number as f64)?;
            }
            Cell::Text(text) if text.is_empty() => {}
            Cell::Text(text) => {
                sheet.write_string(at, column, text.as_ref())?;
            }
            Cell::Date(None) => {}
            Cell::Date(Some(day)) => {
                let day = ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)?;
                sheet.write_datetime_with_format(at, column, &day, date)?;
            }
        }
    }
    Ok(())
}
