//! Maps sqlx errors onto [`StoreError`]: callers act on what happened (duplicate, missing
//! reference, database away), never on SQLite's result codes.

use sqlx::error::{DatabaseError, ErrorKind};
use tessera_domain::store::{StoreError, StoreResult};

/// Classifies a sqlx error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(Box::new(e)),
        sqlx::Error::Database(ref d) => match d.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict(conflict_field(d.as_ref())),
            ErrorKind::ForeignKeyViolation => {
                StoreError::UnknownReference(tessera_domain::store::Reference::Row)
            }
            _ if is_transient(d.as_ref()) => StoreError::Unavailable(Box::new(e)),
            _ => StoreError::Internal(Box::new(e)),
        },
        other => StoreError::Internal(Box::new(other)),
    }
}

/// Checks a write addressed to one row by its key (an update or delete of one client, user,
/// secret, …): no row is [`StoreError::NotFound`]; more than one means the key was not unique,
/// a schema fault, and the caller's transaction is rolled back.
pub(crate) fn expect_one(rows_affected: u64, what: &str) -> StoreResult<()> {
    match rows_affected {
        1 => Ok(()),
        0 => Err(StoreError::NotFound),
        n => Err(StoreError::Internal(
            format!("{n} {what} rows matched one key").into(),
        )),
    }
}

/// A value read from the database that this build cannot interpret.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("unreadable stored value: {what}").into())
}

/// SQLite's primary result codes meaning "another connection holds the lock": retrying works.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;

/// Result codes after which retrying later may succeed: another connection held the lock for
/// longer than the busy timeout.
fn is_transient(d: &dyn DatabaseError) -> bool {
    d.code()
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

/// Names the field a unique violation is about, from SQLite's message
/// `UNIQUE constraint failed: users.partition_id, users.username_key`: the last column decides.
fn conflict_field(d: &dyn DatabaseError) -> String {
    let msg = d.message();
    let last = msg
        .rsplit([',', ' ', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let (table, column) = last.split_once('.').unwrap_or(("", last));
    field_for(table, column).to_owned()
}

/// The API-facing name of a unique column.
fn field_for(table: &str, column: &str) -> &'static str {
    match (table, column) {
        ("partitions", _) => "partition",
        (_, "username_key" | "username") => "username",
        (_, "email_key" | "email") => "email",
        (_, "name") => "name",
        (_, "kid") => "kid",
        _ => "id",
    }
}

#[cfg(test)]
mod tests {
    use super::field_for;

    #[test]
    fn fields_are_named_for_the_api() {
        assert_eq!(field_for("partitions", "id"), "partition");
        assert_eq!(field_for("users", "username_key"), "username");
        assert_eq!(field_for("customers", "email_key"), "email");
        assert_eq!(field_for("client_applications", "name"), "name");
        assert_eq!(field_for("client_applications", "client_id"), "id");
    }
}
