//! How the library's vocabulary types are stored: as the text their `Display` gives, the
//! strings earlier versions wrote, so existing databases keep working without a migration.

/// Stores `$ty` in SQLite (and prints it in JSON) as its `Display` text, and reads it back with
/// `$read`, a `fn(&str) -> $ty` that accepts any text: a value this version does not know (from
/// a newer version or a hand-edited database) loads rather than failing the whole query.
macro_rules! text_column {
    ($ty:ty, $read:expr) => {
        impl rusqlite::types::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value.as_str().map($read)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}
