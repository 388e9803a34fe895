//! The database handle: one enum over the two backends, chosen by URL.
//!
//! Queries are written once with `$1` placeholders (both SQLite and PostgreSQL accept them) and run on
//! whichever pool the URL chose, through the [`with_db!`] macro, which compiles the same body for each
//! backend. No `Any` driver, no compile-time checked macros.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::StoreError;

/// The default database when no URL is given: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://jiugai.db";

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a URL names. Anything else is refused: a typo never silently creates a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::BadUrl(url.to_string())),
        }
    }
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// An open transaction on either backend. Store functions that take part in a caller's transaction take
/// `&mut Tx` (e.g. [`crate::audit::append`]); their SQL runs through [`with_tx!`].
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut SqliteConnection` or `&mut
/// PgConnection`): the same statement text, compiled for each backend.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

impl Db {
    /// Begins a transaction. A transaction that will write should write first (e.g. take the audit head
    /// with [`crate::audit::lock`]) so that SQLite takes its write lock up front.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Opens the database the URL names and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, StoreError> {
        let db = Db::connect(url).await?;
        crate::migrate::run(&db).await?;
        Ok(db)
    }

    /// Opens without migrating.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Connect(url.to_string(), e.to_string()))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory");
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Connect(url.to_string(), e.to_string()))?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let opts =
                    PgConnectOptions::from_str(url).map_err(|e| StoreError::Connect(url.to_string(), e.to_string()))?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Connect(url.to_string(), e.to_string()))?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// `count` placeholders for a multi-row statement, numbered from `first`. SQLite gets anonymous `?`:
    /// sqlx looks every *named* parameter up with `sqlite3_bind_parameter_name`, which is linear in the number
    /// of parameters, so `$n` makes a 10,000-parameter insert quadratic (measured: 110 s for 300,000 rows).
    pub fn placeholders(&self, first: usize, count: usize) -> String {
        let mut s = String::with_capacity(count * 6);
        for i in 0..count {
            if i > 0 {
                s.push(',');
            }
            match self {
                Db::Sqlite(_) => s.push('?'),
                Db::Postgres(_) => {
                    s.push('$');
                    s.push_str(&(first + i).to_string());
                }
            }
        }
        s
    }

    pub async fn close(&self) {
        with_db!(self, p => p.close().await)
    }
}
