//! Reading venue JSON: bodies into values, and numbers, whether sent as strings or as JSON
//! numbers (plain or exponent form), straight into `Decimal`.
//!
//! `serde_json` is built with `arbitrary_precision`, so a JSON number keeps the exact digits
//! the venue sent and never passes through `f64`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::error::{ErrorKind, ParseError};

/// Parses a body as JSON: an empty body and invalid JSON are told apart.
pub fn parse_body(body: &[u8]) -> Result<Value, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError {
            kind: ErrorKind::Empty,
            message: "the response body is empty".to_owned(),
        });
    }
    serde_json::from_slice(body).map_err(|e| {
        ParseError::malformed(format!(
            "not valid JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// Parses decimal text, in plain (`"0.00010000"`) or exponent form (`"2.203e-05"`).
pub fn decimal_text(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str(text).ok()
    }
}

/// A decimal from a JSON string or number; `what` names the field for the error.
pub fn decimal(value: &Value, what: &str) -> Result<Decimal, ParseError> {
    opt_decimal(Some(value), what)?
        .ok_or_else(|| ParseError::malformed(format!("{what} is missing or empty")))
}

/// A decimal, or `None` when the field is missing, `null` or an empty string (OKX sends `""`
/// for fields that do not apply).
pub fn opt_decimal(value: Option<&Value>, what: &str) -> Result<Option<Decimal>, ParseError> {
    let parsed = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => decimal_text(text),
        Some(Value::Number(number)) => decimal_text(&number.to_string()),
        Some(other) => {
            return Err(ParseError::malformed(format!(
                "{what} should be a number, found {}",
                kind_of(other)
            )));
        }
    };
    parsed.map(Some).ok_or_else(|| {
        ParseError::malformed(format!(
            "{what} is not a decimal number: {}",
            value.map_or_else(String::new, Value::to_string)
        ))
    })
}

/// An integer (timestamps, counts) from a JSON number or a string of digits.
pub fn int(value: &Value, what: &str) -> Result<i64, ParseError> {
    let parsed = match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| ParseError::malformed(format!("{what} is not an integer: {value}")))
}

/// Field `name` of an object; `context` says where, for the error.
pub fn field<'a>(value: &'a Value, name: &str, context: &str) -> Result<&'a Value, ParseError> {
    value
        .get(name)
        .ok_or_else(|| ParseError::malformed(format!("{context}: field `{name}` is missing")))
}

/// `value` as an array; `context` says where, for the error.
pub fn array<'a>(value: &'a Value, context: &str) -> Result<&'a Vec<Value>, ParseError> {
    value.as_array().ok_or_else(|| {
        ParseError::malformed(format!(
            "{context} should be an array, found {}",
            kind_of(value)
        ))
    })
}

/// A string field, or an error naming it.
pub fn string<'a>(value: &'a Value, name: &str, context: &str) -> Result<&'a str, ParseError> {
    field(value, name, context)?
        .as_str()
        .ok_or_else(|| ParseError::malformed(format!("{context}: `{name}` should be a string")))
}

/// The JSON type of a value, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_keep_their_digits_in_every_form() {
        let body = br#"{"s":"0.00010000","n":36288.31,"e":2.203e-05,"big":12345678901234567890.123456789}"#;
        let v = parse_body(body).unwrap();
        assert_eq!(decimal(&v["s"], "s").unwrap(), dec!(0.0001));
        assert_eq!(decimal(&v["n"], "n").unwrap(), dec!(36288.31));
        assert_eq!(decimal(&v["e"], "e").unwrap(), dec!(0.00002203));
        // 29 significant digits survive: no f64 round trip.
        assert_eq!(
            decimal(&v["big"], "big").unwrap(),
            dec!(12345678901234567890.123456789)
        );
    }

    #[test]
    fn empty_and_invalid_bodies_are_told_apart() {
        assert_eq!(parse_body(b"  \n").unwrap_err().kind, ErrorKind::Empty);
        let error = parse_body(b"{\"a\": ").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Malformed);
        assert!(error.message.contains("line 1"), "{}", error.message);
    }
}
