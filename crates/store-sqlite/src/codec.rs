//! Conversions between domain values and database columns. The other store crate's `codec.rs` has
//! the same functions under the same names, so the modules that use them read the same in both
//! crates; only the bodies here know how SQLite stores a value: ids as text, times as
//! microseconds since the Unix epoch, flags as integers 0/1, URL lists and documents as JSON
//! text, enums by their stored names.
//!
//! Encoders turn a domain value into a bind parameter (`uid`, `ts`, `opt_ts`, `int`,
//! `string_list`, `doc`, `opt_doc`); readers turn a column of a row back into a domain value
//! (`get`, `uuid`, `time`, `opt_time`, `flag`, `u32_col`, `partition`, `opt_partition`,
//! `parsed`, `strings`, `json`, `opt_json`) and call a value this build cannot interpret
//! [`corrupt`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row as _;
use tessera_domain::PartitionId;
use tessera_domain::store::{StoreError, StoreResult};
use time::OffsetDateTime;

use crate::error::{corrupt, db};
use crate::{Db, DbRow};

// Encoders.

/// An id (a UUID) as a bind parameter: its hyphenated text.
pub(crate) fn uid(u: uuid::Uuid) -> String {
    u.to_string()
}

/// A time as a bind parameter: microseconds since the Unix epoch, rounded down (the stored
/// precision, PostgreSQL's too).
pub(crate) fn ts(t: OffsetDateTime) -> i64 {
    // Every representable OffsetDateTime fits in i64 microseconds (±9999 years ≈ 3.2e17).
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1000)).unwrap_or(i64::MAX)
}

/// [`ts`] for optional times.
pub(crate) fn opt_ts(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(ts)
}

/// A `u32` for an integer column (SQLite's integers are 64-bit: every `u32` fits; fallible
/// like the PostgreSQL crate's, whose column is 32-bit).
pub(crate) fn int(n: u32) -> StoreResult<i64> {
    Ok(i64::from(n))
}

/// A list of strings (URLs, audiences) for a list column: a JSON array.
pub(crate) fn string_list(v: &[String]) -> StoreResult<String> {
    doc(v)
}

/// A document for a JSON column: its JSON text.
pub(crate) fn doc<T: Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(Box::new(e)))
}

/// [`doc`] for optional documents.
pub(crate) fn opt_doc<T: Serialize>(v: Option<&T>) -> StoreResult<Option<String>> {
    v.map(doc).transpose()
}

// Readers.

/// Reads a column whose stored form is already the domain's.
pub(crate) fn get<'r, T>(row: &'r DbRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db)
}

/// Reads an id column.
pub(crate) fn uuid(row: &DbRow, col: &str) -> StoreResult<uuid::Uuid> {
    let s: String = get(row, col)?;
    uuid::Uuid::parse_str(&s).map_err(corrupt)
}

/// Reads a nullable id column.
pub(crate) fn opt_uuid(row: &DbRow, col: &str) -> StoreResult<Option<uuid::Uuid>> {
    get::<Option<String>>(row, col)?
        .map(|s| uuid::Uuid::parse_str(&s).map_err(corrupt))
        .transpose()
}

fn from_micros(m: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000).map_err(corrupt)
}

/// Reads a time column.
pub(crate) fn time(row: &DbRow, col: &str) -> StoreResult<OffsetDateTime> {
    from_micros(get(row, col)?)
}

/// Reads a nullable time column.
pub(crate) fn opt_time(row: &DbRow, col: &str) -> StoreResult<Option<OffsetDateTime>> {
    get::<Option<i64>>(row, col)?.map(from_micros).transpose()
}

/// Reads a computed truth value (`x IS NOT NULL AS …`, `EXISTS (…) AS …`): SQLite gives an
/// integer, PostgreSQL a boolean.
pub(crate) fn flag(row: &DbRow, col: &str) -> StoreResult<bool> {
    Ok(get::<i64>(row, col)? != 0)
}

/// Reads a count or other non-negative integer as `u32`.
pub(crate) fn u32_col(row: &DbRow, col: &str) -> StoreResult<u32> {
    let n: i64 = get(row, col)?;
    u32::try_from(n).map_err(corrupt)
}

/// Reads a partition id column.
pub(crate) fn partition(row: &DbRow, col: &str) -> StoreResult<PartitionId> {
    let s: String = get(row, col)?;
    PartitionId::parse(&s).map_err(corrupt)
}

/// Reads a nullable partition id column.
pub(crate) fn opt_partition(row: &DbRow, col: &str) -> StoreResult<Option<PartitionId>> {
    get::<Option<String>>(row, col)?
        .map(|s| PartitionId::parse(&s).map_err(corrupt))
        .transpose()
}

/// Reads an enum stored by name.
pub(crate) fn parsed<T>(row: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let s: String = get(row, col)?;
    parse(&s).ok_or_else(|| corrupt(format_args!("{col} = {s:?}")))
}

/// Reads a list column (see [`string_list`]).
pub(crate) fn strings(row: &DbRow, col: &str) -> StoreResult<Vec<String>> {
    json(row, col)
}

/// Reads a JSON column.
pub(crate) fn json<T: DeserializeOwned>(row: &DbRow, col: &str) -> StoreResult<T> {
    let s: String = get(row, col)?;
    serde_json::from_str(&s).map_err(corrupt)
}

/// Reads a nullable JSON column.
pub(crate) fn opt_json<T: DeserializeOwned>(row: &DbRow, col: &str) -> StoreResult<Option<T>> {
    get::<Option<String>>(row, col)?
        .map(|s| serde_json::from_str(&s).map_err(corrupt))
        .transpose()
}
