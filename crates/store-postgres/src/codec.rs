//! Conversions between domain values and database columns. The other store crate's `codec.rs` has
//! the same functions under the same names, so the modules that use them read the same in both
//! crates; only the bodies here know how PostgreSQL stores a value: ids as `uuid`, times as
//! `timestamptz`, flags as `boolean`, URL lists as `text[]`, documents as `jsonb`, enums by
//! their stored names.
//!
//! Encoders turn a domain value into a bind parameter (`uid`, `ts`, `opt_ts`, `int`,
//! `string_list`, `doc`, `opt_doc`); readers turn a column of a row back into a domain value
//! (`get`, `uuid`, `time`, `opt_time`, `flag`, `u32_col`, `partition`, `opt_partition`,
//! `parsed`, `strings`, `json`, `opt_json`) and call a value this build cannot interpret
//! [`corrupt`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row as _;
use sqlx::types::Json;
use tessera_domain::PartitionId;
use tessera_domain::store::{StoreError, StoreResult};
use time::OffsetDateTime;

use crate::error::{corrupt, db};
use crate::{Db, DbRow};

// Encoders.

/// An id (a UUID) as a bind parameter: sqlx encodes `uuid` itself.
pub(crate) fn uid(u: uuid::Uuid) -> uuid::Uuid {
    u
}

/// A time as a bind parameter: sqlx encodes `timestamptz` itself (microsecond precision).
pub(crate) fn ts(t: OffsetDateTime) -> OffsetDateTime {
    t
}

/// [`ts`] for optional times.
pub(crate) fn opt_ts(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    t
}

/// A `u32` for an `integer` column (values above `i32::MAX` are refused, not wrapped).
pub(crate) fn int(n: u32) -> StoreResult<i32> {
    i32::try_from(n).map_err(|e| StoreError::Internal(Box::new(e)))
}

/// A list of strings (URLs, audiences) for a `text[]` column.
pub(crate) fn string_list(v: &[String]) -> StoreResult<&[String]> {
    Ok(v)
}

/// A document for a `jsonb` column.
pub(crate) fn doc<T: Serialize + ?Sized>(v: &T) -> StoreResult<Json<&T>> {
    Ok(Json(v))
}

/// [`doc`] for optional documents.
pub(crate) fn opt_doc<T: Serialize>(v: Option<&T>) -> StoreResult<Option<Json<&T>>> {
    Ok(v.map(Json))
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
    get(row, col)
}

/// Reads a nullable id column.
pub(crate) fn opt_uuid(row: &DbRow, col: &str) -> StoreResult<Option<uuid::Uuid>> {
    get(row, col)
}

/// Reads a time column.
pub(crate) fn time(row: &DbRow, col: &str) -> StoreResult<OffsetDateTime> {
    get(row, col)
}

/// Reads a nullable time column.
pub(crate) fn opt_time(row: &DbRow, col: &str) -> StoreResult<Option<OffsetDateTime>> {
    get(row, col)
}

/// Reads a computed truth value (`x IS NOT NULL AS …`, `EXISTS (…) AS …`): SQLite gives an
/// integer, PostgreSQL a boolean.
pub(crate) fn flag(row: &DbRow, col: &str) -> StoreResult<bool> {
    get(row, col)
}

/// Reads a count or other non-negative integer as `u32`.
pub(crate) fn u32_col(row: &DbRow, col: &str) -> StoreResult<u32> {
    let n: i32 = get(row, col)?;
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
    get(row, col)
}

/// Reads a JSON column.
pub(crate) fn json<T: DeserializeOwned>(row: &DbRow, col: &str) -> StoreResult<T> {
    let Json(v) = get::<Json<T>>(row, col)?;
    Ok(v)
}

/// Reads a nullable JSON column.
pub(crate) fn opt_json<T: DeserializeOwned>(row: &DbRow, col: &str) -> StoreResult<Option<T>> {
    Ok(get::<Option<Json<T>>>(row, col)?.map(|Json(v)| v))
}
