//! The filter language used by the library filter and `library list --query`.
//!
//! Whitespace-separated terms, all of which must match:
//! - `word` or `"a phrase"`: in the title, artist, album or album artist;
//! - `artist:`, `album:`, `title:`, `genre:`, `grouping:` with a word or a quoted phrase;
//! - `codec:flac`: the codec, exactly;
//! - `year:1994`, `year:1990..1999`, `year:..1999`, `year:1990..`;
//! - a leading `-` negates a term (`-live`, `-codec:mp3`).
//!
//! Matching ignores case and accents ([`crate::text::fold`]).

mod haystack;
#[cfg(test)]
mod tests;

use std::str::FromStr;

use thiserror::Error;

pub use haystack::Haystack;
use haystack::{ALBUM, ALBUM_ARTIST, ARTIST, CODEC, GENRE, GROUPING, TITLE};

use crate::Track;
use crate::text::{clean, fold};

/// The field names accepted before a `:`.
pub const KNOWN_FIELDS: &[&str] = &[
    "artist", "album", "title", "genre", "grouping", "codec", "year",
];

/// A query that cannot be parsed; the message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("unknown field `{field}:` (known fields: {})", KNOWN_FIELDS.join(", "))]
    UnknownField { field: String },

    #[error(
        "`year:{value}` is not a year: expected a year like year:1994 or a range like \
         year:1990..1999, year:..1999 or year:1990.."
    )]
    BadYear { value: String },

    #[error("`year:{value}` is an empty range: the first year is after the last")]
    ReversedYears { value: String },
}

/// A parsed filter. The empty query matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    negated: bool,
    test: Test,
}

/// Text needles are folded at parse time so that matching folds nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    Any(String),
    Title(String),
    Album(String),
    Artist(String),
    Genre(String),
    Grouping(String),
    Codec(String),
    Year { from: Option<i32>, to: Option<i32> },
}

impl Query {
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let mut terms = Vec::new();
        let mut rest = input;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (negated, body) = match rest.strip_prefix('-') {
                Some(after) => (true, after),
                None => (false, rest),
            };
            let (test, remaining) = parse_term(body)?;
            rest = remaining;
            // Empty values (`artist:`, `""`, a lone `-`) are what the user is still typing; they
            // restrict nothing rather than matching nothing.
            if let Some(test) = test {
                terms.push(Term { negated, test });
            }
        }
        Ok(Query { terms })
    }

    /// True when the query restricts nothing.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, haystack: &Haystack) -> bool {
        self.terms
            .iter()
            .all(|term| term.test.matches(haystack) != term.negated)
    }

    /// Convenience for one-off checks; filtering many tracks should reuse [`Haystack`]s.
    pub fn matches_track(&self, track: &Track) -> bool {
        self.is_empty() || self.matches(&Haystack::new(track))
    }
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Query, QueryError> {
        Query::parse(s)
    }
}

impl Test {
    fn matches(&self, h: &Haystack) -> bool {
        match self {
            Test::Any(needle) => h.segments(TITLE, ALBUM_ARTIST).contains(needle.as_str()),
            Test::Title(needle) => h.segment(TITLE).contains(needle.as_str()),
            Test::Album(needle) => h.segment(ALBUM).contains(needle.as_str()),
            Test::Artist(needle) => h.segments(ARTIST, ALBUM_ARTIST).contains(needle.as_str()),
            Test::Genre(needle) => h.segment(GENRE).contains(needle.as_str()),
            Test::Grouping(needle) => h.segment(GROUPING).contains(needle.as_str()),
            Test::Codec(codec) => h.segment(CODEC) == codec,
            Test::Year { from, to } => h
                .year()
                .is_some_and(|y| from.is_none_or(|from| y >= from) && to.is_none_or(|to| y <= to)),
        }
    }
}

/// Parses one term (after any `-`) and returns it with the unparsed rest of the input.
fn parse_term(body: &str) -> Result<(Option<Test>, &str), QueryError> {
    if let Some(quoted) = body.strip_prefix('"') {
        let (phrase, rest) = take_quoted(quoted);
        return Ok((needle(phrase).map(Test::Any), rest));
    }

    let name_len = body
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(body.len());
    if name_len > 0 && body[name_len..].starts_with(':') {
        let field = &body[..name_len];
        let after_colon = &body[name_len + 1..];
        let (value, rest) = match after_colon.strip_prefix('"') {
            Some(quoted) => take_quoted(quoted),
            None => take_word(after_colon),
        };
        return Ok((field_test(field, value)?, rest));
    }

    // Words like `12:34` or `:)` are not field terms: they are searched as they are.
    let (word, rest) = take_word(body);
    Ok((needle(word).map(Test::Any), rest))
}

fn field_test(field: &str, value: &str) -> Result<Option<Test>, QueryError> {
    let test = match field.to_ascii_lowercase().as_str() {
        "artist" => needle(value).map(Test::Artist),
        "album" => needle(value).map(Test::Album),
        "title" => needle(value).map(Test::Title),
        "genre" => needle(value).map(Test::Genre),
        "grouping" => needle(value).map(Test::Grouping),
        "codec" => needle(value).map(Test::Codec),
        "year" => parse_years(value.trim())?,
        _ => {
            return Err(QueryError::UnknownField {
                field: clean(field),
            });
        }
    };
    Ok(test)
}

/// `1994`, `1990..1999`, `..1999` or `1990..`.
fn parse_years(value: &str) -> Result<Option<Test>, QueryError> {
    if value.is_empty() {
        return Ok(None);
    }
    let bad = || QueryError::BadYear {
        value: clean(value),
    };
    let (from, to) = if let Some((from, to)) = value.split_once("..") {
        let from = optional_year(from).ok_or_else(bad)?;
        let to = optional_year(to).ok_or_else(bad)?;
        if from.is_none() && to.is_none() {
            return Err(bad());
        }
        (from, to)
    } else {
        let year = year_number(value).ok_or_else(bad)?;
        (Some(year), Some(year))
    };
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(QueryError::ReversedYears {
            value: clean(value),
        });
    }
    Ok(Some(Test::Year { from, to }))
}

/// `Some(None)` for an open end, `None` when the text is not a year.
#[expect(
    clippy::option_option,
    reason = "the two levels are documented just above"
)]
fn optional_year(text: &str) -> Option<Option<i32>> {
    if text.is_empty() {
        Some(None)
    } else {
        year_number(text).map(Some)
    }
}

fn year_number(text: &str) -> Option<i32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Splits at the closing quote; an unclosed quote runs to the end (the user is still typing).
fn take_quoted(text: &str) -> (&str, &str) {
    match text.split_once('"') {
        Some((inside, rest)) => (inside, rest),
        None => (text, ""),
    }
}

fn take_word(text: &str) -> (&str, &str) {
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text.split_at(end)
}

/// Folds a value for matching; `clean` first collapses whitespace, so a needle never contains
/// the haystack's field separator.
fn needle(value: &str) -> Option<String> {
    let folded = fold(&clean(value));
    (!folded.is_empty()).then_some(folded)
}
