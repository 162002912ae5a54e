//! A small, tolerant scanner of RON structure that remembers where every value is in the text.
//!
//! `ron` reports the position of the first problem it meets, but a file can have many, and a
//! problem found after parsing (a negative price, a duplicate label) has no position at all.
//! This scanner builds a tree of byte spans (structs with named fields, lists, tuples, scalars)
//! so that a path such as `accounts[1].positions[3].entry_price` can be turned into a
//! line:column, and so each account and position can be parsed on its own to collect every
//! problem in one pass. It never allocates more than the text's size and never recurses deeper
//! than [`MAX_DEPTH`], so hostile input cannot overflow the stack.

/// Deepest nesting accepted. Real portfolio files nest about six levels.
pub const MAX_DEPTH: usize = 64;

/// A value and the byte range it covers in the source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Byte offset of the value's first character.
    pub start: usize,
    /// Byte offset just past the value's last character.
    pub end: usize,
    /// What the value is.
    pub kind: NodeKind,
}

/// The shape of a scanned value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// `Name(field: value, …)` or `(field: value, …)`; enum variants with fields look the same.
    Struct(Vec<Field>),
    /// `[a, b, …]`; `inner_start..inner_end` is the text between the brackets.
    List {
        /// The elements.
        items: Vec<Node>,
        /// Byte offset just past `[`.
        inner_start: usize,
        /// Byte offset of `]`.
        inner_end: usize,
    },
    /// `Name(a, b)` or `(a, b)` or `{k: v}`: positional contents, kept for completeness.
    Tuple(Vec<Node>),
    /// A string, number, identifier, or anything else without children.
    Scalar,
}

/// A named field of a struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field name as written.
    pub name: String,
    /// Byte offset of the field name.
    pub name_start: usize,
    /// The field's value.
    pub value: Node,
}

/// Why the scanner gave up; the caller then relies on `ron`'s own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

impl Node {
    /// The field `name` of a struct node.
    pub fn field(&self, name: &str) -> Option<&Field> {
        match &self.kind {
            NodeKind::Struct(fields) => fields.iter().find(|field| field.name == name),
            _ => None,
        }
    }

    /// Element `index` of a list node.
    pub fn item(&self, index: usize) -> Option<&Node> {
        match &self.kind {
            NodeKind::List { items, .. } => items.get(index),
            _ => None,
        }
    }

    /// The byte offset of the value at `path`, only if every step of the path exists.
    pub fn locate_exact(&self, path: &str) -> Option<usize> {
        let mut node = self;
        for segment in path_segments(path) {
            node = match segment {
                PathSegment::Field(name) => &node.field(name)?.value,
                PathSegment::Index(index) => node.item(index)?,
            };
        }
        (!path.is_empty()).then_some(node.start)
    }

    /// Follows a path like `accounts[1].positions[3].entry_price` as far as it goes and
    /// returns the byte offset of the deepest part found (a field's value, or for a missing
    /// field the struct that should hold it).
    pub fn locate(&self, path: &str) -> usize {
        let mut node = self;
        let mut offset = self.start;
        for segment in path_segments(path) {
            let next = match segment {
                PathSegment::Field(name) => node.field(name).map(|field| &field.value),
                PathSegment::Index(index) => node.item(index),
            };
            match next {
                Some(found) => {
                    node = found;
                    offset = found.start;
                }
                None => break,
            }
        }
        offset
    }
}

/// One step of a value path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSegment<'a> {
    /// `.name`
    Field(&'a str),
    /// `[index]`
    Index(usize),
}

/// Splits `a[1].b` into `Field(a), Index(1), Field(b)`; malformed parts are skipped.
pub fn path_segments(path: &str) -> impl Iterator<Item = PathSegment<'_>> {
    path.split('.').flat_map(|part| {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        let field = (!name.is_empty()).then_some(PathSegment::Field(name));
        let indices = rest
            .split('[')
            .filter_map(|index| index.trim_end_matches(']').parse().ok())
            .map(PathSegment::Index);
        field.into_iter().chain(indices)
    })
}

/// Converts a byte offset into a 1-based line and a 1-based column counted in characters,
/// the convention editors and `ron` use.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let col = before
        .get(line_start..)
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, col)
}

/// Line starts of a text, found once, so turning many offsets into line:column costs a
/// binary search each rather than a scan from the top (a file with 40,000 problems).
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// The index of `text`.
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// [`line_col`] of `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |tail| tail.chars().count())
            + 1;
        (line, col)
    }
}

/// Scans a whole document: optional `#![enable(…)]` attributes, then one value.
pub fn scan(text: &str) -> Result<Node, ScanError> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.skip_trivia()?;
    while scanner.peek() == Some(b'#') {
        scanner.skip_attribute()?;
        scanner.skip_trivia()?;
    }
    let node = scanner.value(0)?;
    scanner.skip_trivia()?;
    if scanner.pos < scanner.bytes.len() {
        return Err(scanner.error("unexpected text after the end of the portfolio"));
    }
    Ok(node)
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, message: &str) -> ScanError {
        ScanError {
            offset: self.pos,
            message: message.to_owned(),
        }
    }

    /// Skips whitespace, `// line` comments and nested `/* block */` comments.
    fn skip_trivia(&mut self) -> Result<(), ScanError> {
        loop {
            match (self.peek(), self.bytes.get(self.pos + 1)) {
                (Some(byte), _) if byte.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    while let Some(byte) = self.peek() {
                        if byte == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    let start = self.pos;
                    self.pos += 2;
                    let mut depth = 1_usize;
                    while depth > 0 {
                        match (self.peek(), self.bytes.get(self.pos + 1)) {
                            (None, _) => {
                                self.pos = start;
                                return Err(self.error("a /* comment is never closed"));
                            }
                            (Some(b'*'), Some(b'/')) => {
                                depth -= 1;
                                self.pos += 2;
                            }
                            (Some(b'/'), Some(b'*')) => {
                                depth += 1;
                                self.pos += 2;
                            }
                            _ => self.pos += 1,
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_attribute(&mut self) -> Result<(), ScanError> {
        // `#![enable(implicit_some)]`: skip to the matching `]`.
        while let Some(byte) = self.peek() {
            self.pos += 1;
            if byte == b']' {
                return Ok(());
            }
        }
        Err(self.error("an attribute #![…] is never closed"))
    }

    fn value(&mut self, depth: usize) -> Result<Node, ScanError> {
        if depth > MAX_DEPTH {
            return Err(self.error("the file is nested too deeply to be a portfolio"));
        }
        let start = self.pos;
        match self.peek() {
            None => Err(self.error("the file ends where a value was expected")),
            Some(b'[') => self.list(depth),
            Some(b'(') => self.parens(start, depth),
            Some(b'{') => self.map(start, depth),
            Some(b'"') => {
                self.string()?;
                Ok(Node {
                    start,
                    end: self.pos,
                    kind: NodeKind::Scalar,
                })
            }
            Some(b'r') if matches!(self.bytes.get(self.pos + 1), Some(b'"' | b'#')) => {
                self.raw_string()?;
                Ok(Node {
                    start,
                    end: self.pos,
                    kind: NodeKind::Scalar,
                })
            }
            Some(b'\'') => {
                self.char_literal()?;
                Ok(Node {
                    start,
                    end: self.pos,
                    kind: NodeKind::Scalar,
                })
            }
            Some(byte) if is_word_byte(byte) || byte == b'-' || byte == b'+' || byte == b'.' => {
                self.word();
                let after_word = self.pos;
                self.skip_trivia()?;
                if self.peek() == Some(b'(') {
                    self.parens(start, depth)
                } else {
                    self.pos = after_word;
                    Ok(Node {
                        start,
                        end: self.pos,
                        kind: NodeKind::Scalar,
                    })
                }
            }
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn word(&mut self) {
        while let Some(byte) = self.peek() {
            if is_word_byte(byte) || matches!(byte, b'-' | b'+' | b'.') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn string(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        self.pos += 1;
        while let Some(byte) = self.peek() {
            self.pos += 1;
            match byte {
                b'\\' => self.pos += 1,
                b'"' => return Ok(()),
                _ => {}
            }
        }
        self.pos = start;
        Err(self.error("a string is never closed (missing \")"))
    }

    fn raw_string(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        self.pos += 1;
        let mut hashes = 0_usize;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        if self.peek() != Some(b'"') {
            return Err(self.error("malformed raw string"));
        }
        self.pos += 1;
        let closing: String = std::iter::once('"')
            .chain(std::iter::repeat_n('#', hashes))
            .collect();
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.find(&closing))
        {
            Some(found) => {
                self.pos += found + closing.len();
                Ok(())
            }
            None => {
                self.pos = start;
                Err(self.error("a raw string is never closed"))
            }
        }
    }

    fn char_literal(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        self.pos += 1;
        while let Some(byte) = self.peek() {
            self.pos += 1;
            match byte {
                b'\\' => self.pos += 1,
                b'\'' => return Ok(()),
                _ => {}
            }
        }
        self.pos = start;
        Err(self.error("a character literal is never closed"))
    }

    fn list(&mut self, depth: usize) -> Result<Node, ScanError> {
        let start = self.pos;
        self.pos += 1;
        let inner_start = self.pos;
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b']') {
                let inner_end = self.pos;
                self.pos += 1;
                return Ok(Node {
                    start,
                    end: self.pos,
                    kind: NodeKind::List {
                        items,
                        inner_start,
                        inner_end,
                    },
                });
            }
            items.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return Err(self.error("expected `,` or `]` in a list")),
            }
        }
    }

    fn map(&mut self, start: usize, depth: usize) -> Result<Node, ScanError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Node {
                    start,
                    end: self.pos,
                    kind: NodeKind::Tuple(items),
                });
            }
            items.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` in a map"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            items.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected `,` or `}` in a map")),
            }
        }
    }

    /// `(` … `)`: a struct if the first entry is `name:`, positional contents otherwise.
    fn parens(&mut self, start: usize, depth: usize) -> Result<Node, ScanError> {
        self.pos += 1;
        let mut fields = Vec::new();
        let mut positional = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b')') {
                self.pos += 1;
                let kind = if positional.is_empty() {
                    NodeKind::Struct(fields)
                } else {
                    NodeKind::Tuple(positional)
                };
                return Ok(Node {
                    start,
                    end: self.pos,
                    kind,
                });
            }
            let entry_start = self.pos;
            let name_end = {
                let mut end = self.pos;
                while self.bytes.get(end).is_some_and(|&byte| is_word_byte(byte)) {
                    end += 1;
                }
                end
            };
            self.pos = name_end;
            self.skip_trivia()?;
            let is_field = name_end > entry_start
                && self.peek() == Some(b':')
                && self
                    .bytes
                    .get(entry_start)
                    .is_some_and(|byte| !byte.is_ascii_digit());
            if is_field {
                self.pos += 1;
                self.skip_trivia()?;
                let value = self.value(depth + 1)?;
                let name = self
                    .text
                    .get(entry_start..name_end)
                    .unwrap_or_default()
                    .to_owned();
                fields.push(Field {
                    name,
                    name_start: entry_start,
                    value,
                });
            } else {
                self.pos = entry_start;
                positional.push(self.value(depth + 1)?);
            }
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {}
                _ => return Err(self.error("expected `,` or `)`")),
            }
        }
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "// comment\n(\n  name: \"x\",\n  accounts: [\n    (label: \"a\", positions: [\n      Perpetual(symbol: \"BTCUSDT\", size: \"-1\"),\n    ]),\n  ],\n)\n";

    #[test]
    fn locates_nested_fields() {
        let root = scan(SAMPLE).unwrap();
        let offset = root.locate("accounts[0].positions[0].size");
        // Line 6 is `      Perpetual(symbol: "BTCUSDT", size: "-1"),`: 6 spaces, `Perpetual(`
        // (cols 7-16), `symbol:` (17-23), space, `"BTCUSDT"` (25-33), `,`, space, `size:`
        // (36-40), space, so `"-1"` starts at column 42.
        assert_eq!(line_col(SAMPLE, offset), (6, 42), "position of size");
        let missing = root.locate("accounts[0].positions[0].leverage");
        assert_eq!(
            line_col(SAMPLE, missing),
            (6, 7),
            "a missing field points at its struct"
        );
    }

    #[test]
    fn list_inner_span_excludes_brackets() {
        let root = scan(SAMPLE).unwrap();
        let accounts = &root.field("accounts").unwrap().value;
        let NodeKind::List {
            inner_start,
            inner_end,
            items,
        } = &accounts.kind
        else {
            panic!("accounts is a list");
        };
        assert_eq!(items.len(), 1, "one account");
        assert_eq!(
            &SAMPLE[*inner_start - 1..=*inner_start - 1],
            "[",
            "starts after ["
        );
        assert_eq!(&SAMPLE[*inner_end..=*inner_end], "]", "ends at ]");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let text = "[".repeat(100_000);
        let err = scan(&text).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{err:?}");
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "(\n  note: \"Ⓢ\", x: 1)";
        let offset = text.find("x:").unwrap();
        // `  note: "Ⓢ", x: 1)`: 2 spaces, `note:` (3-7), space, `"Ⓢ"` (9-11), `,`, space:
        // `x` is column 14 although Ⓢ takes 3 bytes.
        assert_eq!(line_col(text, offset), (2, 14), "Ⓢ is one column");
    }

    #[test]
    fn path_segments_split_fields_and_indices() {
        let segments: Vec<_> = path_segments("accounts[1].positions[3].entry_price").collect();
        assert_eq!(
            segments,
            vec![
                PathSegment::Field("accounts"),
                PathSegment::Index(1),
                PathSegment::Field("positions"),
                PathSegment::Index(3),
                PathSegment::Field("entry_price"),
            ],
            "segments"
        );
    }
}
