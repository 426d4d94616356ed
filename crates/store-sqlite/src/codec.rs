//! Conversions between domain values and SQLite columns: times as microseconds, UUIDs as text,
//! lists and documents as JSON text, enums by their stored names.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row as _;
use sqlx::sqlite::SqliteRow;
use tessera_domain::PartitionId;
use tessera_domain::store::{StoreError, StoreResult};
use time::OffsetDateTime;

use crate::error::{corrupt, db};

/// Microseconds since the Unix epoch, rounded down: the stored precision (PostgreSQL's too).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    // Every representable OffsetDateTime fits in i64 microseconds (±9999 years ≈ 3.2e17).
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1000)).unwrap_or(i64::MAX)
}

/// [`micros`] for optional times.
pub(crate) fn opt_micros(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(micros)
}

fn from_micros(m: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000).map_err(corrupt)
}

/// Serialises a list or document for a JSON column.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(Box::new(e)))
}

/// Reads a column.
pub(crate) fn get<'r, T>(row: &'r SqliteRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(col).map_err(db)
}

/// Reads a time column.
pub(crate) fn time(row: &SqliteRow, col: &str) -> StoreResult<OffsetDateTime> {
    from_micros(get(row, col)?)
}

/// Reads a nullable time column.
pub(crate) fn opt_time(row: &SqliteRow, col: &str) -> StoreResult<Option<OffsetDateTime>> {
    get::<Option<i64>>(row, col)?.map(from_micros).transpose()
}

/// Reads a UUID column.
pub(crate) fn uuid(row: &SqliteRow, col: &str) -> StoreResult<uuid::Uuid> {
    let s: String = get(row, col)?;
    uuid::Uuid::parse_str(&s).map_err(corrupt)
}

/// Reads a partition id column.
pub(crate) fn partition(row: &SqliteRow, col: &str) -> StoreResult<PartitionId> {
    let s: String = get(row, col)?;
    PartitionId::parse(&s).map_err(corrupt)
}

/// Reads a JSON column.
pub(crate) fn json<T: DeserializeOwned>(row: &SqliteRow, col: &str) -> StoreResult<T> {
    let s: String = get(row, col)?;
    serde_json::from_str(&s).map_err(corrupt)
}

/// Reads a nullable JSON column.
pub(crate) fn opt_json<T: DeserializeOwned>(row: &SqliteRow, col: &str) -> StoreResult<Option<T>> {
    get::<Option<String>>(row, col)?
        .map(|s| serde_json::from_str(&s).map_err(corrupt))
        .transpose()
}

/// Reads an enum stored by name.
pub(crate) fn parsed<T>(
    row: &SqliteRow,
    col: &str,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<T> {
    let s: String = get(row, col)?;
    parse(&s).ok_or_else(|| corrupt(format_args!("{col} = {s:?}")))
}

/// Reads a count or other non-negative integer as `u32`.
pub(crate) fn u32_col(row: &SqliteRow, col: &str) -> StoreResult<u32> {
    let n: i64 = get(row, col)?;
    u32::try_from(n).map_err(corrupt)
}
