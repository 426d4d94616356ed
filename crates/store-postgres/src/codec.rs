//! Conversions between domain values and PostgreSQL columns that sqlx does not do by itself:
//! partition ids, enums stored by name, JSON documents, unsigned integers.

use serde::de::DeserializeOwned;
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use tessera_domain::PartitionId;
use tessera_domain::store::{StoreError, StoreResult};

use crate::error::{corrupt, db};

/// Reads a column.
pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(db)
}

/// Reads a partition id column.
pub(crate) fn partition(row: &PgRow, col: &str) -> StoreResult<PartitionId> {
    let s: String = get(row, col)?;
    PartitionId::parse(&s).map_err(corrupt)
}

/// Reads a jsonb column into a typed value.
pub(crate) fn json<T: DeserializeOwned>(row: &PgRow, col: &str) -> StoreResult<T> {
    let Json(v) = get::<Json<T>>(row, col)?;
    Ok(v)
}

/// Reads an enum stored by name.
pub(crate) fn parsed<T>(row: &PgRow, col: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let s: String = get(row, col)?;
    parse(&s).ok_or_else(|| corrupt(format_args!("{col} = {s:?}")))
}

/// Reads a non-negative `integer` column as `u32`.
pub(crate) fn u32_col(row: &PgRow, col: &str) -> StoreResult<u32> {
    let n: i32 = get(row, col)?;
    u32::try_from(n).map_err(corrupt)
}

/// A `u32` for an `integer` column (values above `i32::MAX` are refused, not wrapped).
pub(crate) fn int(n: u32) -> StoreResult<i32> {
    i32::try_from(n).map_err(|e| StoreError::Internal(Box::new(e)))
}
