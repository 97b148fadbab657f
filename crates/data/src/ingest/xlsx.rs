//! XLSX upload: one worksheet read with `calamine`, then through the same
//! inference and row checks as CSV, so a spreadsheet and a CSV export of it
//! give the same schema and the same bad-row reports.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, Reader, Xlsx};

use super::{CsvOptions, CsvReader, Encoding};
use crate::DataError;
use crate::cell::format_date;

/// Days between Excel's 1900 epoch (serial 0 = 1899-12-30) and 1970-01-01.
const EXCEL_EPOCH_OFFSET: f64 = 25_569.0;

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            #[allow(clippy::cast_possible_truncation)]
            let days = (serial - EXCEL_EPOCH_OFFSET).floor() as i32;
            let secs = ((serial.fract()) * 86_400.0).round();
            if secs == 0.0 {
                format_date(days)
            } else {
                #[allow(clippy::cast_possible_truncation)]
                let s = secs as i64;
                format!(
                    "{} {:02}:{:02}:{:02}",
                    format_date(days),
                    s / 3600,
                    s / 60 % 60,
                    s % 60
                )
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads `sheet` (the first worksheet when `None`) of an XLSX workbook and
/// returns a reader over its rows, the first row being the header. The
/// workbook is held in memory, as XLSX's zip layout requires.
pub fn read_xlsx<R: Read + Seek>(
    input: R,
    sheet: Option<&str>,
    options: CsvOptions,
) -> Result<CsvReader<Cursor<Vec<u8>>>, DataError> {
    let mut workbook: Xlsx<R> = Xlsx::new(input).map_err(|e| DataError::Xlsx(e.to_string()))?;
    let name = match sheet {
        Some(s) => s.to_owned(),
        None => workbook
            .sheet_names()
            .first()
            .cloned()
            .ok_or(DataError::Empty)?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| DataError::Xlsx(format!("worksheet \"{name}\": {e}")))?;
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in range.rows() {
        out.write_record(row.iter().map(cell_text))
            .map_err(|e| DataError::Xlsx(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| DataError::Xlsx(e.to_string()))?;
    CsvReader::new(
        Cursor::new(bytes),
        CsvOptions {
            encoding: Encoding::Utf8,
            delimiter: b',',
            ..options
        },
    )
}
