//! The OpenID Connect standard claims that users and customers share (migration 0006): the same
//! columns in both tables, written after the row itself in the same transaction.

use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use tessera_domain::PartitionId;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::StoreResult;

use crate::codec::{get, opt_json, to_json};
use crate::error::db;

/// The table an account lives in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Accounts {
    Users,
    Customers,
}

/// Stores `c` on the account `id` of `table`.
pub(crate) async fn write(
    conn: &mut SqliteConnection,
    table: Accounts,
    p: &PartitionId,
    id: uuid::Uuid,
    c: &StandardClaims,
) -> StoreResult<()> {
    let sql = match table {
        Accounts::Users => {
            "UPDATE users SET given_name = ?, family_name = ?, locale = ?, \
             zoneinfo = ?, email_verified = ?, phone_number = ?, phone_number_verified = ?, \
             address = ? WHERE partition_id = ? AND id = ?"
        }
        Accounts::Customers => {
            "UPDATE customers SET given_name = ?, family_name = ?, locale = ?, \
             zoneinfo = ?, email_verified = ?, phone_number = ?, phone_number_verified = ?, \
             address = ? WHERE partition_id = ? AND id = ?"
        }
    };
    let address = c.address.as_ref().map(to_json).transpose()?;
    sqlx::query(sql)
        .bind(&c.given_name)
        .bind(&c.family_name)
        .bind(&c.locale)
        .bind(&c.zoneinfo)
        .bind(c.email_verified)
        .bind(&c.phone_number)
        .bind(c.phone_number_verified)
        .bind(address)
        .bind(p.as_str())
        .bind(id.to_string())
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Reads the claims from a row that selected migration 0006's columns.
pub(crate) fn read(row: &SqliteRow) -> StoreResult<StandardClaims> {
    Ok(StandardClaims {
        given_name: get(row, "given_name")?,
        family_name: get(row, "family_name")?,
        locale: get(row, "locale")?,
        zoneinfo: get(row, "zoneinfo")?,
        email_verified: get(row, "email_verified")?,
        phone_number: get(row, "phone_number")?,
        phone_number_verified: get(row, "phone_number_verified")?,
        address: opt_json(row, "address")?,
    })
}
