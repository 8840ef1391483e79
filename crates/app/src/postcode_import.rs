//! Importing the National Statistics Postcode Lookup (NSPL, ONS, Open
//! Government Licence). Column names change between releases (`pcds` or
//! `pcd7`, `lsoa21` or `lsoa11`), so columns are found by header name.

use std::io::Read;

use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::geo::GeoPoint;
use linkwork_domain::postcode::{ImdEdition, Postcode};
use linkwork_domain::time::now;
use linkwork_storage::{BulkLoaded, PostcodeRecord, StorageError};

use crate::App;
use crate::error::{AppError, AppResult};

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

#[derive(Debug)]
pub struct PostcodeImportSummary {
    pub imported: u64,
    pub rejected: Vec<Rejection>,
}

/// Where each needed column is.
#[derive(Debug)]
struct Columns {
    postcode: usize,
    lat: usize,
    lon: usize,
    lsoa: Option<usize>,
    imd: Option<usize>,
}

fn find(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    })
}

impl Columns {
    fn from_headers(headers: &csv::StringRecord) -> Result<Columns, String> {
        let need = |names: &[&str], what: &str| {
            find(headers, names)
                .ok_or_else(|| format!("no {what} column (expected one of: {})", names.join(", ")))
        };
        Ok(Columns {
            // pcds is the formatted postcode; the others are fixed-width forms.
            postcode: need(&["pcds", "pcd", "pcd2", "pcd7", "pcd8"], "postcode")?,
            lat: need(&["lat"], "latitude")?,
            lon: need(&["long", "lon", "lng"], "longitude")?,
            lsoa: find(headers, &["lsoa21", "lsoa21cd", "lsoa11", "lsoa11cd"]),
            imd: find(headers, &["imd"]),
        })
    }

    fn record(
        &self,
        row: &csv::StringRecord,
        edition: ImdEdition,
    ) -> Result<PostcodeRecord, String> {
        let field = |i: usize| row.get(i).unwrap_or_default().trim();
        let raw = field(self.postcode);
        let postcode =
            Postcode::parse(raw).map_err(|_| format!("{raw:?} is not a valid postcode"))?;
        let number = |i: usize, what: &str| {
            field(i)
                .parse::<f64>()
                .map_err(|_| format!("{what} {:?} is not a number", field(i)))
        };
        let point = GeoPoint::new(
            number(self.lat, "latitude")?,
            number(self.lon, "longitude")?,
        )
        .ok_or_else(|| format!("{postcode} has no location"))?;
        let lsoa = self
            .lsoa
            .map(field)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let imd_rank = match self.imd.map(field).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                raw.parse::<u32>()
                    .map_err(|_| format!("IMD rank {raw:?} is not a whole number"))?,
            ),
        };
        let imd_decile = match imd_rank {
            None => None,
            Some(rank) => Some(edition.decile(rank).ok_or_else(|| {
                format!(
                    "IMD rank {rank} is outside 1–{} for this edition",
                    edition.lsoa_count()
                )
            })?),
        };
        Ok(PostcodeRecord {
            postcode,
            point,
            lsoa,
            imd_rank,
            imd_decile,
        })
    }
}

impl App {
    /// Imports an NSPL-format CSV. A file whose header lacks the needed
    /// columns changes nothing; within a readable file, each bad row is
    /// listed with its line and reason and the rest are imported, all in
    /// one transaction.
    pub async fn import_postcodes(
        &self,
        source: impl Read + Send,
        source_name: &str,
        edition: ImdEdition,
    ) -> AppResult<PostcodeImportSummary> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
        let headers = reader
            .headers()
            .map_err(|e| AppError::Import(format!("{source_name} could not be read: {e}")))?
            .clone();
        let columns = Columns::from_headers(&headers).map_err(|e| {
            AppError::Import(format!("{source_name} is not a postcode lookup file: {e}"))
        })?;

        let mut rejected = Vec::new();
        let mut rows = reader.records().enumerate().filter_map(|(i, row)| {
            let line = i as u64 + 2;
            match row {
                Ok(row) => match columns.record(&row, edition) {
                    Ok(record) => Some(Ok(record)),
                    Err(reason) => {
                        rejected.push(Rejection { line, reason });
                        None
                    }
                },
                // The file itself failed: abandon the whole import.
                Err(e) if e.is_io_error() => Some(Err(format!(
                    "{source_name} could not be read at line {line}: {e}"
                ))),
                Err(e) => {
                    rejected.push(Rejection {
                        line,
                        reason: e.to_string(),
                    });
                    None
                }
            }
        });
        let event = NewAuditEvent::new(Actor::Cli, AuditAction::PostcodeImport, now())
            .detail(format!("Imported {source_name}"));
        let imported = self
            .store
            .import_postcodes(&mut rows, &event)
            .await
            .map_err(|e| match e {
                StorageError::Aborted(reason) => {
                    AppError::Import(format!("{reason}; nothing was imported"))
                }
                other => other.into(),
            })?;
        drop(rows);
        self.store.refresh_statistics(BulkLoaded::Postcodes).await?;
        self.located.clear();
        Ok(PostcodeImportSummary { imported, rejected })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(header: &str) -> Result<Columns, String> {
        Columns::from_headers(&csv::StringRecord::from(
            header.split(',').collect::<Vec<_>>(),
        ))
    }

    #[test]
    fn finds_columns_by_name_whatever_the_release() {
        let may_2025 = "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa21,cty,ced,laua,ward,nhser,ctry,rgn,pcon,ttwa,itl,park,lsoa21,msoa21,wz11,sicbl,bua24,ruc21,oac11,lat,long,lep1,lep2,pfa,imd,icb";
        let c = columns(may_2025).unwrap();
        assert_eq!(
            (c.postcode, c.lat, c.lon, c.lsoa, c.imd),
            (2, 28, 29, Some(21), Some(33))
        );
        let older = columns("PCD7,LAT,LONG,LSOA11").unwrap();
        assert_eq!((c.postcode != older.postcode, older.lsoa), (true, Some(3)));
        assert!(
            columns("pcds,lat")
                .unwrap_err()
                .contains("no longitude column")
        );
    }

    #[test]
    fn rejects_rows_with_reasons() {
        let c = columns("pcds,lat,long,lsoa21,imd").unwrap();
        let row = |s: &str| csv::StringRecord::from(s.split(',').collect::<Vec<_>>());
        let ok = c
            .record(
                &row("rv1 1aa,53.4,-2.2,E01000001,3000"),
                ImdEdition::Iod2019,
            )
            .unwrap();
        assert_eq!(ok.postcode.as_str(), "RV1 1AA");
        assert_eq!((ok.imd_rank, ok.imd_decile), (Some(3000), Some(1)));
        assert!(
            c.record(&row("nonsense,53.4,-2.2,,"), ImdEdition::Iod2019)
                .unwrap_err()
                .contains("not a valid postcode")
        );
        assert!(
            c.record(&row("RV1 1AA,99.999999,0.000000,,"), ImdEdition::Iod2019)
                .unwrap_err()
                .contains("has no location")
        );
        assert!(
            c.record(&row("RV1 1AA,x,-2.2,,"), ImdEdition::Iod2019)
                .unwrap_err()
                .contains("latitude")
        );
        assert!(
            c.record(&row("RV1 1AA,53.4,-2.2,,99999"), ImdEdition::Iod2019)
                .unwrap_err()
                .contains("outside")
        );
        let no_imd = c
            .record(&row("RV1 1AA,53.4,-2.2,,"), ImdEdition::Iod2019)
            .unwrap();
        assert_eq!((no_imd.lsoa, no_imd.imd_rank), (None, None));
    }
}
