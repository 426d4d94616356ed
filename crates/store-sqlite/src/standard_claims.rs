//! The OpenID Connect standard claims that users and customers share (migration 0006): the same
//! columns in both tables, written after the row itself in the same transaction.

use tessera_domain::PartitionId;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::StoreResult;

use crate::codec::{get, opt_doc, opt_json, uid};
use crate::error::db;
use crate::{DbConnection, DbRow};

/// The table an account lives in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Accounts {
    Users,
    Customers,
}

/// Stores `c` on the account `id` of `table`.
pub(crate) async fn write(
    conn: &mut DbConnection,
    table: Accounts,
    p: &PartitionId,
    id: uuid::Uuid,
    c: &StandardClaims,
) -> StoreResult<()> {
    let sql = match table {
        Accounts::Users => {
            "UPDATE users SET given_name = $1, family_name = $2, locale = $3, \
             zoneinfo = $4, email_verified = $5, phone_number = $6, phone_number_verified = $7, \
             address = $8 WHERE partition_id = $9 AND id = $10"
        }
        Accounts::Customers => {
            "UPDATE customers SET given_name = $1, family_name = $2, locale = $3, \
             zoneinfo = $4, email_verified = $5, phone_number = $6, phone_number_verified = $7, \
             address = $8 WHERE partition_id = $9 AND id = $10"
        }
    };
    sqlx::query(sql)
        .bind(&c.given_name)
        .bind(&c.family_name)
        .bind(&c.locale)
        .bind(&c.zoneinfo)
        .bind(c.email_verified)
        .bind(&c.phone_number)
        .bind(c.phone_number_verified)
        .bind(opt_doc(c.address.as_ref())?)
        .bind(p.as_str())
        .bind(uid(id))
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Reads the claims from a row that selected migration 0006's columns.
pub(crate) fn read(row: &DbRow) -> StoreResult<StandardClaims> {
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
