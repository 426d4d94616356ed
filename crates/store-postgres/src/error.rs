//! Maps sqlx errors onto [`StoreError`]: callers act on what happened (duplicate, missing
//! reference, database away), never on SQLSTATE codes.

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

/// SQLSTATEs after which retrying later may succeed: connection trouble, a server shutting
/// down or starting, too many clients, a standby after failover, a lost serialisation race.
fn is_transient(d: &dyn DatabaseError) -> bool {
    let code = d.code().unwrap_or_default();
    code.starts_with("08")
        || matches!(
            &*code,
            "57P01" | "57P02" | "57P03" | "53300" | "25006" | "40001" | "40P01"
        )
}

/// Names the field a unique violation is about from the constraint name: the schema names them
/// `<table>_<field>_key`.
fn conflict_field(d: &dyn DatabaseError) -> String {
    field_for(d.constraint().unwrap_or_default()).to_owned()
}

fn field_for(constraint: &str) -> &'static str {
    if constraint == "partitions_pkey" {
        "partition"
    } else if constraint.ends_with("_username_key") {
        "username"
    } else if constraint.ends_with("_email_key") {
        "email"
    } else if constraint.ends_with("_name_key") {
        "name"
    } else if constraint.ends_with("_kid_key") {
        "kid"
    } else {
        "id"
    }
}

#[cfg(test)]
mod tests {
    use super::field_for;

    #[test]
    fn fields_are_named_for_the_api() {
        assert_eq!(field_for("partitions_pkey"), "partition");
        assert_eq!(field_for("users_username_key"), "username");
        assert_eq!(field_for("customers_email_key"), "email");
        assert_eq!(field_for("client_applications_name_key"), "name");
        assert_eq!(field_for("client_applications_pkey"), "id");
    }
}
