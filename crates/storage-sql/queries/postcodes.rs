use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::geo::GeoPoint;
use linkwork_domain::postcode::Postcode;
use linkwork_storage::{PostcodeRecord, PostcodeStore, StorageError, StorageResult};
use linkwork_storage_sql::batch::last_of_each;
use sqlx::{QueryBuilder, Row};

use super::audit::insert as insert_audit;
use super::{DbRow, backend, corrupt};
use crate::dialect::{Db, Store};

/// Rows per INSERT: at 7 parameters each, well inside either database's limit.
const BATCH: usize = 1000;

fn record(row: &DbRow) -> StorageResult<PostcodeRecord> {
    let raw: String = row.try_get("postcode").map_err(backend)?;
    let (lat, lon): (f64, f64) = (
        row.try_get("lat").map_err(backend)?,
        row.try_get("lon").map_err(backend)?,
    );
    Ok(PostcodeRecord {
        postcode: Postcode::parse(&raw).map_err(|_| corrupt("postcode", &raw))?,
        point: GeoPoint::new(lat, lon)
            .ok_or_else(|| corrupt("coordinates", format!("{lat},{lon}")))?,
        lsoa: row.try_get("lsoa").map_err(backend)?,
        imd_rank: row
            .try_get::<Option<i32>, _>("imd_rank")
            .map_err(backend)?
            .map(|r| r as u32),
        imd_decile: row
            .try_get::<Option<i16>, _>("imd_decile")
            .map_err(backend)?
            .map(|d| d as u8),
    })
}

#[async_trait]
impl PostcodeStore for Store {
    async fn import_postcodes(
        &self,
        rows: &mut (dyn Iterator<Item = Result<PostcodeRecord, String>> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        let mut written = 0u64;
        loop {
            // An error rolls back everything: the transaction is dropped
            // without being committed.
            let batch: Vec<PostcodeRecord> = rows
                .take(BATCH)
                .collect::<Result<_, _>>()
                .map_err(StorageError::Aborted)?;
            if batch.is_empty() {
                break;
            }
            let batch = last_of_each(batch, |r| r.postcode.as_str().to_owned());
            let mut query = QueryBuilder::<Db>::new(
                "INSERT INTO postcodes (postcode, outcode, lat, lon, lsoa, imd_rank, imd_decile) ",
            );
            query.push_values(&batch, |mut b, r| {
                b.push_bind(r.postcode.as_str())
                    .push_bind(r.postcode.outcode())
                    .push_bind(r.point.lat)
                    .push_bind(r.point.lon)
                    .push_bind(r.lsoa.as_deref())
                    .push_bind(r.imd_rank.map(|r| r as i32))
                    .push_bind(r.imd_decile.map(i16::from));
            });
            query.push(
                " ON CONFLICT (postcode) DO UPDATE SET outcode = excluded.outcode, lat = excluded.lat, lon = excluded.lon, \
                 lsoa = excluded.lsoa, imd_rank = excluded.imd_rank, imd_decile = excluded.imd_decile",
            );
            query.build().execute(&mut *tx).await.map_err(backend)?;
            written += batch.len() as u64;
        }
        insert_audit(
            &mut tx,
            &audit
                .clone()
                .detail(format!("{} ({written} postcodes)", audit.detail)),
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        Ok(written)
    }

    async fn postcode(&self, postcode: &Postcode) -> StorageResult<Option<PostcodeRecord>> {
        let row = sqlx::query("SELECT postcode, lat, lon, lsoa, imd_rank, imd_decile FROM postcodes WHERE postcode = $1")
            .bind(postcode.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(record).transpose()
    }

    async fn outcode_centroid(&self, outcode: &str) -> StorageResult<Option<GeoPoint>> {
        let row: Option<(Option<f64>, Option<f64>)> =
            sqlx::query_as("SELECT avg(lat), avg(lon) FROM postcodes WHERE outcode = $1")
                .bind(outcode.trim().to_ascii_uppercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(row.and_then(|(lat, lon)| GeoPoint::new(lat?, lon?)))
    }

    async fn postcode_count(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM postcodes")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(n as u64)
    }
}
