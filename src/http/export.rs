//! `GET /export/issues.csv` and `GET /export/issues.xlsx`: the ledger (台账) as superior
//! agencies and offices exchange it, filtered like `issues(filter:)` and limited to what the
//! caller may see.

use actix_web::http::header::{self, ContentDisposition, ContentEncoding, DispositionParam, DispositionType};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use futures_util::stream;
use tokio::io::AsyncReadExt;

use super::csv::write_record;
use super::ledger_columns::{COLUMNS, Cell, cells};
use super::xlsx::{self, Feed};
use super::{GraphqlState, filter_params, gate, json_error};
use crate::error::AppError;
use crate::service::cost_budget::EXPORT_COST;
use crate::service::ledger::{LedgerReader, LedgerRow};

/// Lets Excel recognise the file as UTF-8; without it Chinese text opens garbled.
const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();

/// How much of the finished workbook is sent per chunk.
const FILE_CHUNK: usize = 64 * 1024;

/// Checks the caller and the filter, and opens the reader: every refusal happens here,
/// before a byte of the file is sent.
async fn open_ledger(request: &HttpRequest, state: &GraphqlState) -> Result<LedgerReader, HttpResponse> {
    let principal = gate::admit(request, state, EXPORT_COST).await?;
    filter_params::issue_filter(request.query_string())
        .and_then(|filter| state.services.ledger(&principal, &filter))
        .map_err(json_error::reply)
}

/// `attachment; filename="issues-20261128.csv"`, dated with the county's today.
fn attachment(today: NaiveDate, extension: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!("issues-{}.{extension}", today.format("%Y%m%d")))],
    }
}

fn csv_rows(out: &mut Vec<u8>, serial: &mut u64, rows: &[LedgerRow]) {
    for row in rows {
        *serial += 1;
        let cells = cells(*serial, row);
        let texts = cells.iter().map(|cell| match cell {
            Cell::Number(number) => number.to_string(),
            Cell::Text(text) => text.to_string(),
            Cell::Date(day) => day.map(|day| day.to_string()).unwrap_or_default(),
        });
        let texts: Vec<String> = texts.collect();
        write_record(out, texts.iter().map(String::as_str));
    }
}

/// `GET /export/issues.csv`: streamed one page at a time, so the server holds one page of
/// rows whatever the ledger's length. The first page is read before answering, so a failing
/// database still gets a 500; a failure later can only cut the download short, which the
/// client sees as an incomplete transfer rather than a shorter file.
pub async fn issues_csv(request: HttpRequest, state: web::Data<GraphqlState>) -> HttpResponse {
    let mut reader = match open_ledger(&request, &state).await {
        Ok(reader) => reader,
        Err(response) => return response,
    };
    let first = match reader.next_page().await {
        Ok(page) => page.unwrap_or_default(),
        Err(error) => return json_error::reply(error),
    };
    let mut head = BYTE_ORDER_MARK.to_vec();
    write_record(&mut head, COLUMNS.iter().map(|column| column.header));
    let mut serial = 0;
    csv_rows(&mut head, &mut serial, &first);
    let disposition = attachment(reader.today(), "csv");
    let rest = stream::try_unfold((reader, serial), |(mut reader, mut serial)| async move {
        match reader.next_page().await {
            Ok(Some(rows)) => {
                let mut chunk = Vec::new();
                csv_rows(&mut chunk, &mut serial, &rows);
                Ok(Some((Bytes::from(chunk), (reader, serial))))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                error.log();
                Err(actix_web::error::ErrorInternalServerError("the export was interrupted"))
            }
        }
    });
    let body = futures_util::StreamExt::chain(stream::once(async move { Ok(Bytes::from(head)) }), rest);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// `GET /export/issues.xlsx`. A workbook is a zip archive that can only be sent once it is
/// finished, so it is written completely (off the async threads, in constant memory, into a
/// temporary file) and then sent from that file with its length; any failure until then is
/// answered as a 500.
pub async fn issues_xlsx(request: HttpRequest, state: web::Data<GraphqlState>) -> HttpResponse {
    let mut reader = match open_ledger(&request, &state).await {
        Ok(reader) => reader,
        Err(response) => return response,
    };
    let disposition = attachment(reader.today(), "xlsx");
    // Two pages in flight at most: the reader stays just ahead of the writer.
    let (feed, receiver) = tokio::sync::mpsc::channel(2);
    let writer = tokio::task::spawn_blocking(move || xlsx::write_workbook(receiver));
    // `async move`: the sender is dropped when reading ends, however it ends, so a writer
    // waiting for the next page always wakes up.
    let read = async move {
        while let Some(rows) = reader.next_page().await? {
            if feed.send(Feed::Rows(rows)).await.is_err() {
                // The writer stopped; its own error says why.
                return Ok(());
            }
        }
        // A send error here, too, leaves the writer's error to tell.
        let _ = feed.send(Feed::End).await;
        Ok::<_, AppError>(())
    }
    .await;
    let written = writer.await.map_err(AppError::internal).and_then(|file| file.map_err(AppError::internal));
    let file = match (read, written) {
        (Err(error), _) | (Ok(()), Err(error)) => return json_error::reply(error),
        (Ok(()), Ok(file)) => file,
    };
    let length = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => return json_error::reply(AppError::internal(error)),
    };
    let file = tokio::fs::File::from_std(file);
    let body = stream::try_unfold(file, |mut file| async move {
        let mut chunk = BytesMut::with_capacity(FILE_CHUNK);
        match file.read_buf(&mut chunk).await? {
            0 => Ok::<_, std::io::Error>(None),
            _ => Ok(Some((chunk.freeze(), file))),
        }
    });
    HttpResponse::Ok()
        .content_type(xlsx::CONTENT_TYPE)
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Already a zip archive: compressing it again costs CPU and saves nothing.
        .insert_header(ContentEncoding::Identity)
        .no_chunking(length)
        .streaming(body)
}
