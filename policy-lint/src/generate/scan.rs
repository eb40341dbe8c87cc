//! One pass over a record that finds where it ends and reads the [`Event`] fields from it: the
//! fast path of reading CloudTrail.
//!
//! The exact path splits the stream into records ([`super::split`]) and then parses each one
//! with `serde_json` ([`super::cloudtrail::parse_event`]): two passes over every byte. Here a
//! strict JSON reader does both at once: it follows the record from its `{` to the matching
//! `}`, checks every value against the JSON grammar, and keeps only the fields [`Event`] has
//! (the request parameters and response elements as raw JSON, as `serde_json` gives them).
//!
//! It is a *subset* reader: whenever it is not certain to give what the exact path would give
//! (escapes in a key, a control character in a string, a field of an unexpected type, a
//! duplicated field, a missing `eventName`, nesting deeper than [`MAX_DEPTH`], a top-level key
//! `Records`, ...), it answers [`Scan::Fallback`] and the caller hands the record to the exact
//! path, which then reports whatever is wrong exactly as before. So every record it accepts is
//! one the splitter would cut at the same bytes and `serde_json` would parse into the same
//! event; the tests check that on real, synthetic and mutated records.
//!
//! Why not a SIMD parser: on 268 MB of real-shaped records (`scripts/bench-generate.sh`'s
//! file; one thread, release profile, no `target-cpu`; best of 5, all in one run), each
//! reading every record into the same fields:
//!
//! | reader | MB/s |
//! | --- | --- |
//! | this reader (`scan_record`) | 1808 |
//! | the splitter, then `serde_json::from_slice::<Event>` (the exact path) | 446 |
//! | `serde_json::from_slice::<Event>` alone (lines split beforehand) | 795 |
//! | `serde_json` skipping every record (`IgnoredAny`), for scale | 2119 |
//! | sonic-rs 0.5 `from_slice::<Event>` (`LazyValue` for the raw fields) | 834 |
//! | sonic-rs 0.5 `get_many` (14 paths) | 833 |
//! | simd-json 0.15 `to_borrowed_value` (a copy of each line, DOM) | 574 |
//! | simd-json 0.15 `to_tape` (a copy of each line, structural index only) | 939 |
//!
//! With `target-cpu=native` (an earlier run, on a busier machine) sonic-rs's `from_slice` read
//! 1.24 times as fast as `serde_json` in the same run and simd-json's `to_tape` 1.05 times;
//! this reader reads 2.3 times as fast, with no CPU-specific build (a binary built for the
//! native CPU runs only on CPUs like the build machine's). Events are short (about 1.3 KB) and most of their bytes sit in strings
//! the generator skips: a scalar reader that skips strings eight bytes at a time and touches
//! each byte once pays more than a structural index built for every byte. It needs no
//! `unsafe` and no new dependency.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::cloudtrail::{
    Event, EventResource, SessionAttributes, SessionContext, SessionIssuer, UserIdentity,
};

/// Nesting deeper than this (counting the record itself) is left to the exact path, well
/// below `serde_json`'s recursion limit of 128.
pub const MAX_DEPTH: u32 = 100;

/// What [`scan_record`] found (`E` is the event; the caller may map it away).
#[derive(Debug)]
pub enum Scan<E> {
    /// A complete record at the start of the bytes: its event and its length in bytes.
    Event(E, usize),
    /// The bytes end inside the record: read more, and scan again.
    NeedMore,
    /// The record is not one the fast path is certain about: use the exact path.
    Fallback,
}

/// Why scanning stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    NeedMore,
    Fallback,
}

type Res<T> = Result<T, Stop>;

/// Scans the record that starts at `bytes[0]` (a `{`). `top_level`: the record is a top-level
/// object (NDJSON), where a `Records` key would make it an S3 wrapper instead of an event.
/// `expected_len`: about how long the record is likely to be (the last one's length, a bit
/// more): that many bytes are checked to be UTF-8 at once, so that the strings kept from them
/// need no check of their own.
pub fn scan_record(bytes: &[u8], top_level: bool, expected_len: usize) -> Scan<Event<'_>> {
    let mut c = Cursor::new(bytes, expected_len);
    match c.event(top_level) {
        Ok(event) => Scan::Event(event, c.i),
        Err(Stop::NeedMore) => Scan::NeedMore,
        Err(Stop::Fallback) => Scan::Fallback,
    }
}

/// [`scan_record`], handing the event to `take` where it was built (an event is a few hundred
/// bytes: moving it out costs more than a call).
#[inline]
pub fn scan_record_with(
    bytes: &[u8],
    top_level: bool,
    expected_len: usize,
    take: impl FnOnce(&Event<'_>),
) -> Scan<()> {
    let mut c = Cursor::new(bytes, expected_len);
    match c.event(top_level) {
        Ok(event) => {
            take(&event);
            Scan::Event((), c.i)
        }
        Err(Stop::NeedMore) => Scan::NeedMore,
        Err(Stop::Fallback) => Scan::Fallback,
    }
}

/// The key under which `serde_json`'s own reader hands `&RawValue` its text (serde_json
/// `raw.rs`, `TOKEN`). Not public API: if it changes, [`borrowed_raw`] fails and the text is
/// parsed again instead (slower, same result; a test notices).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A `&RawValue` of text already checked to be one JSON value, without parsing it again: the
/// map that `serde_json`'s reader presents to `&RawValue`'s `Deserialize`, built from serde's
/// borrowed-string deserializers.
fn borrowed_raw(text: &str) -> Option<&RawValue> {
    use serde::de::value::{BorrowedStrDeserializer, Error, MapDeserializer};
    use serde::Deserialize as _;
    let entry = (
        BorrowedStrDeserializer::<Error>::new(RAW_VALUE_TOKEN),
        BorrowedStrDeserializer::<Error>::new(text),
    );
    <&RawValue>::deserialize(MapDeserializer::new(std::iter::once(entry))).ok()
}

/// A key's first 16 bytes as a number (zeros after its end): keys are matched by length and
/// this number, not by comparing byte strings (keys of more than 16 bytes are compared whole
/// too). Keys hold no NUL bytes (control characters fall back), so equal lengths and heads
/// mean equal keys up to 16 bytes.
#[inline]
const fn head(key: &[u8]) -> u128 {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < key.len() && i < 16 {
        #[expect(clippy::indexing_slicing, reason = "i is below both lengths")]
        {
            out[i] = key[i];
        }
        i += 1;
    }
    u128::from_le_bytes(out)
}

/// [`head`] at run time, with word loads instead of a byte loop.
#[inline]
fn head_of(key: &[u8]) -> u128 {
    if let Some(first) = key.first_chunk::<16>() {
        return u128::from_le_bytes(*first);
    }
    match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(first), Some(last)) => {
            // Bytes 8.. of a key of 8 to 15 bytes are the top ones of its last eight.
            let shift = 8 * u32::try_from(16 - key.len()).unwrap_or(8);
            let rest = u64::from_le_bytes(*last).checked_shr(shift).unwrap_or(0);
            u128::from(u64::from_le_bytes(*first)) | (u128::from(rest) << 64)
        }
        _ => head(key),
    }
}

const EVENT_SOURCE: u128 = head(b"eventSource");
const EVENT_NAME: u128 = head(b"eventName");
const EVENT_TIME: u128 = head(b"eventTime");
const EVENT_TYPE: u128 = head(b"eventType");
const AWS_REGION: u128 = head(b"awsRegion");
const SOURCE_IP_ADDRESS: u128 = head(b"sourceIPAddress");
const RECIPIENT_ACCOUNT_ID: u128 = head(b"recipientAccountId");
const ERROR_CODE: u128 = head(b"errorCode");
const READ_ONLY: u128 = head(b"readOnly");
const USER_IDENTITY: u128 = head(b"userIdentity");
const REQUEST_PARAMETERS: u128 = head(b"requestParameters");
const RESPONSE_ELEMENTS: u128 = head(b"responseElements");
const RESOURCES: u128 = head(b"resources");
const RECORDS: u128 = head(b"Records");
const TYPE: u128 = head(b"type");
const ARN: u128 = head(b"arn");
const ACCOUNT_ID: u128 = head(b"accountId");
const INVOKED_BY: u128 = head(b"invokedBy");
const SESSION_CONTEXT: u128 = head(b"sessionContext");

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `w` that are `"`, `\` or below 0x20, as their high bits (exact up to the first
/// one: the borrow of the zero-byte test only spills into higher bytes).
#[inline]
fn specials(w: u64) -> u64 {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let q = quote.wrapping_sub(ONES) & !quote;
    let s = backslash.wrapping_sub(ONES) & !backslash;
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    (q | s | control) & HIGHS
}

/// The fields of an object seen so far, one bit each (a repeated one is left to `serde_json`,
/// which rejects it).
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Res<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return Err(Stop::Fallback);
        }
        self.0 |= mask;
        Ok(())
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
    /// A prefix of `b` known to be UTF-8.
    valid: &'a str,
}

#[expect(
    clippy::inline_always,
    reason = "measured: forcing the string, key and token readers inline cut the reader's \
              instructions by a fifth (callgrind, 27 MB of NDJSON)"
)]
impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`, with the first `expected_len` of them (or as many as
    /// are UTF-8) checked to be UTF-8 at once.
    fn new(bytes: &'a [u8], expected_len: usize) -> Self {
        let ahead = bytes.get(..expected_len).unwrap_or(bytes);
        let valid = match std::str::from_utf8(ahead) {
            Ok(text) => text,
            Err(e) => ahead
                .get(..e.valid_up_to())
                .and_then(|v| std::str::from_utf8(v).ok())
                .unwrap_or_default(),
        };
        Cursor {
            b: bytes,
            i: 0,
            valid,
        }
    }

    #[inline(always)]
    fn peek(&self) -> Res<u8> {
        self.b.get(self.i).copied().ok_or(Stop::NeedMore)
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// Whitespace, then the next byte (not consumed).
    #[inline(always)]
    fn next_token(&mut self) -> Res<u8> {
        self.ws();
        self.peek()
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Res<()> {
        if self.next_token()? != byte {
            return Err(Stop::Fallback);
        }
        self.i += 1;
        Ok(())
    }

    /// After an opening `"`: moves past the closing one. Returns the string's bytes (between the
    /// quotes) and whether it has escapes. Escapes are checked as `serde_json` checks those of
    /// strings it skips; control characters (which it rejects) fall back.
    #[inline(always)]
    fn string(&mut self) -> Res<(&'a [u8], bool)> {
        let start = self.i;
        let mut escaped = false;
        loop {
            while let Some(chunk) = self.b.get(self.i..self.i + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let hits = specials(u64::from_le_bytes(word));
                if hits != 0 {
                    self.i += (hits.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            let c = self.peek()?;
            match c {
                b'"' => {
                    let text = self.b.get(start..self.i).ok_or(Stop::Fallback)?;
                    self.i += 1;
                    return Ok((text, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5).ok_or(Stop::NeedMore)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(Stop::Fallback);
                            }
                            self.i += 5;
                        }
                        _ => return Err(Stop::Fallback),
                    }
                }
                0..=0x1f => return Err(Stop::Fallback),
                _ => self.i += 1,
            }
        }
    }

    /// A number, by the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Res<()> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return Err(Stop::Fallback),
        }
        if self.peek()? == b'.' {
            self.i += 1;
            if !self.peek()?.is_ascii_digit() {
                return Err(Stop::Fallback);
            }
            self.digits()?;
        }
        if matches!(self.peek()?, b'e' | b'E') {
            self.i += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.i += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return Err(Stop::Fallback);
            }
            self.digits()?;
        }
        // A digit right after `0` (`01`) is invalid JSON: the caller finds no `,`, `}` or `]`.
        Ok(())
    }

    fn digits(&mut self) -> Res<()> {
        while self.peek()?.is_ascii_digit() {
            self.i += 1;
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Res<()> {
        let end = self.i + word.len();
        match self.b.get(self.i..end) {
            Some(got) if got == word => {
                self.i = end;
                Ok(())
            }
            Some(_) => Err(Stop::Fallback),
            None => {
                // Cut short: only more input can tell.
                let got = self.b.get(self.i..).unwrap_or_default();
                if word.starts_with(got) {
                    Err(Stop::NeedMore)
                } else {
                    Err(Stop::Fallback)
                }
            }
        }
    }

    /// An object key (after whitespace): its bytes. Keys with escapes fall back (`serde_json`
    /// matches fields after unescaping); keys that are not UTF-8 too (it rejects them).
    #[inline(always)]
    fn key(&mut self) -> Res<&'a [u8]> {
        if self.next_token()? != b'"' {
            return Err(Stop::Fallback);
        }
        self.i += 1;
        let (key, escaped) = self.string()?;
        if escaped || (!key.is_ascii() && std::str::from_utf8(key).is_err()) {
            return Err(Stop::Fallback);
        }
        self.expect(b':')?;
        Ok(key)
    }

    /// Any value (after whitespace), checked and skipped. `depth`: the nesting around it.
    #[inline(always)]
    fn skip(&mut self, depth: u32) -> Res<()> {
        // Most skipped values are strings.
        if self.next_token()? == b'"' {
            self.i += 1;
            return self.string().map(|_| ());
        }
        self.skip_any(depth)
    }

    /// [`Cursor::skip`] of a value that is not a string, or of any value.
    fn skip_any(&mut self, depth: u32) -> Res<()> {
        // One bit per open container (1 = object), innermost lowest.
        let mut stack: u128 = 0;
        let mut open = 0u32;
        loop {
            match self.next_token()? {
                b'"' => {
                    self.i += 1;
                    self.string()?;
                }
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.next_token()? == close {
                        self.i += 1;
                    } else {
                        open += 1;
                        if depth + open > MAX_DEPTH {
                            return Err(Stop::Fallback);
                        }
                        stack = (stack << 1) | u128::from(c == b'{');
                        if c == b'{' {
                            self.key()?;
                        }
                        continue;
                    }
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return Err(Stop::Fallback),
            }
            // A value ended: close containers until one goes on.
            loop {
                if open == 0 {
                    return Ok(());
                }
                let object = stack & 1 == 1;
                match self.next_token()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return Err(Stop::Fallback),
                }
                self.i += 1;
                stack >>= 1;
                open -= 1;
            }
        }
    }

    /// The members of an object (after whitespace, at its `{`); `field` reads each value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a [u8]) -> Res<()>) -> Res<()> {
        self.expect(b'{')?;
        if self.next_token()? == b'}' {
            self.i += 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            field(self, key)?;
            match self.next_token()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Fallback),
            }
        }
    }

    /// `null` (then `true`), or the start of something else (then `false`).
    #[inline(always)]
    fn null(&mut self) -> Res<bool> {
        if self.next_token()? == b'n' {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// An optional string field, as `Option<Cow<str>>` reads it.
    #[inline(always)]
    fn text(&mut self) -> Res<Option<Cow<'a, str>>> {
        if self.null()? {
            return Ok(None);
        }
        if self.peek()? != b'"' {
            return Err(Stop::Fallback);
        }
        let start = self.i;
        self.i += 1;
        let (bytes, escaped) = self.string()?;
        if escaped {
            // Rare in CloudTrail: let serde_json unescape this one string.
            let quoted = self.b.get(start..self.i).ok_or(Stop::Fallback)?;
            return serde_json::from_slice::<String>(quoted)
                .map(|s| Some(Cow::Owned(s)))
                .map_err(|_| Stop::Fallback);
        }
        self.utf8(start + 1, bytes).map(|s| Some(Cow::Borrowed(s)))
    }

    /// `bytes`, which start at `start`, as text: from the prefix already checked when they lie
    /// in it, else checked now. Not UTF-8: fall back.
    #[inline(always)]
    fn utf8(&self, start: usize, bytes: &'a [u8]) -> Res<&'a str> {
        match self.valid.get(start..start + bytes.len()) {
            Some(text) => Ok(text),
            None => std::str::from_utf8(bytes).map_err(|_| Stop::Fallback),
        }
    }

    /// `readOnly`: a boolean, or a string that reads as one. Anything else falls back.
    fn flag(&mut self) -> Res<Option<bool>> {
        match self.next_token()? {
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => {
                self.i += 1;
                match self.string()? {
                    (text, false) => Ok(std::str::from_utf8(text)
                        .map_err(|_| Stop::Fallback)?
                        .parse()
                        .ok()),
                    (_, true) => Err(Stop::Fallback),
                }
            }
            _ => Err(Stop::Fallback),
        }
    }

    /// A value kept as raw JSON (`null` is none), as `Option<&RawValue>` reads it.
    fn raw(&mut self, depth: u32) -> Res<Option<&'a RawValue>> {
        if self.null()? {
            return Ok(None);
        }
        let start = self.i;
        self.skip(depth)?;
        let bytes = self.b.get(start..self.i).ok_or(Stop::Fallback)?;
        let text = self.utf8(start, bytes)?;
        match borrowed_raw(text) {
            Some(raw) => Ok(Some(raw)),
            None => serde_json::from_str::<&RawValue>(text)
                .map(Some)
                .map_err(|_| Stop::Fallback),
        }
    }

    fn event(&mut self, top_level: bool) -> Res<Event<'a>> {
        let mut e = Event {
            event_source: None,
            event_name: None,
            event_time: None,
            event_type: None,
            aws_region: None,
            source_ip_address: None,
            recipient_account_id: None,
            error_code: None,
            read_only: None,
            user_identity: None,
            request_parameters: None,
            response_elements: None,
            resources: None,
        };
        let mut seen = Seen::default();
        self.object(|c, key| {
            match (key.len(), head_of(key)) {
                (11, EVENT_SOURCE) => {
                    seen.first(0)?;
                    e.event_source = c.text()?;
                }
                (9, EVENT_NAME) => {
                    seen.first(1)?;
                    e.event_name = c.text()?;
                }
                (9, EVENT_TIME) => {
                    seen.first(2)?;
                    e.event_time = c.text()?;
                }
                (9, EVENT_TYPE) => {
                    seen.first(3)?;
                    e.event_type = c.text()?;
                }
                (9, AWS_REGION) => {
                    seen.first(4)?;
                    e.aws_region = c.text()?;
                }
                (15, SOURCE_IP_ADDRESS) => {
                    seen.first(5)?;
                    e.source_ip_address = c.text()?;
                }
                (18, RECIPIENT_ACCOUNT_ID) if key == b"recipientAccountId" => {
                    seen.first(6)?;
                    e.recipient_account_id = c.text()?;
                }
                (9, ERROR_CODE) => {
                    seen.first(7)?;
                    e.error_code = c.text()?;
                }
                (8, READ_ONLY) => {
                    seen.first(8)?;
                    e.read_only = c.flag()?;
                }
                (12, USER_IDENTITY) => {
                    seen.first(9)?;
                    e.user_identity = c.user_identity()?;
                }
                (17, REQUEST_PARAMETERS) if key == b"requestParameters" => {
                    seen.first(10)?;
                    e.request_parameters = c.raw(1)?;
                }
                (16, RESPONSE_ELEMENTS) => {
                    seen.first(11)?;
                    e.response_elements = c.raw(1)?;
                }
                (9, RESOURCES) => {
                    seen.first(12)?;
                    e.resources = c.resources()?;
                }
                // `{"Records": [...]}` on one line is an S3 wrapper: the splitter's business.
                (7, RECORDS) if top_level => return Err(Stop::Fallback),
                _ => c.skip(1)?,
            }
            Ok(())
        })?;
        // A record without these is reported by the exact path.
        if e.event_name.as_deref().is_none_or(str::is_empty)
            || e.event_source.as_deref().is_none_or(str::is_empty)
        {
            return Err(Stop::Fallback);
        }
        Ok(e)
    }

    fn user_identity(&mut self) -> Res<Option<UserIdentity<'a>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut id = UserIdentity {
            kind: None,
            arn: None,
            account_id: None,
            invoked_by: None,
            session_context: None,
        };
        let mut seen = Seen::default();
        self.object(|c, key| {
            match (key.len(), head_of(key)) {
                (4, TYPE) => {
                    seen.first(0)?;
                    id.kind = c.text()?;
                }
                (3, ARN) => {
                    seen.first(1)?;
                    id.arn = c.text()?;
                }
                (9, ACCOUNT_ID) => {
                    seen.first(2)?;
                    id.account_id = c.text()?;
                }
                (9, INVOKED_BY) => {
                    seen.first(3)?;
                    id.invoked_by = c.text()?;
                }
                (14, SESSION_CONTEXT) => {
                    seen.first(4)?;
                    id.session_context = c.session_context()?;
                }
                _ => c.skip(2)?,
            }
            Ok(())
        })?;
        Ok(Some(id))
    }

    fn session_context(&mut self) -> Res<Option<SessionContext<'a>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut ctx = SessionContext {
            session_issuer: None,
            attributes: None,
        };
        let mut seen = Seen::default();
        self.object(|c, key| {
            match key {
                b"sessionIssuer" => {
                    seen.first(0)?;
                    ctx.session_issuer = if c.null()? {
                        None
                    } else {
                        let mut issuer = SessionIssuer {
                            kind: None,
                            arn: None,
                        };
                        let mut seen = Seen::default();
                        c.object(|c, key| {
                            match key {
                                b"type" => {
                                    seen.first(0)?;
                                    issuer.kind = c.text()?;
                                }
                                b"arn" => {
                                    seen.first(1)?;
                                    issuer.arn = c.text()?;
                                }
                                _ => c.skip(4)?,
                            }
                            Ok(())
                        })?;
                        Some(issuer)
                    };
                }
                b"attributes" => {
                    seen.first(1)?;
                    ctx.attributes = if c.null()? {
                        None
                    } else {
                        let mut attributes = SessionAttributes {
                            mfa_authenticated: None,
                        };
                        let mut seen = Seen::default();
                        c.object(|c, key| {
                            if key == b"mfaAuthenticated" {
                                seen.first(0)?;
                                attributes.mfa_authenticated = c.text()?;
                            } else {
                                c.skip(4)?;
                            }
                            Ok(())
                        })?;
                        Some(attributes)
                    };
                }
                _ => c.skip(3)?,
            }
            Ok(())
        })?;
        Ok(Some(ctx))
    }

    fn resources(&mut self) -> Res<Option<Vec<EventResource<'a>>>> {
        if self.null()? {
            return Ok(None);
        }
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.next_token()? == b']' {
            self.i += 1;
            return Ok(Some(out));
        }
        loop {
            let mut arn = None;
            let mut seen = Seen::default();
            self.object(|c, key| {
                if key == b"ARN" || key == b"arn" {
                    seen.first(0)?;
                    arn = c.text()?;
                } else {
                    c.skip(3)?;
                }
                Ok(())
            })?;
            out.push(EventResource { arn });
            match self.next_token()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(Some(out));
                }
                _ => return Err(Stop::Fallback),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_heads_agree() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for len in 0..text.len() {
            let key = text.get(..len).unwrap();
            assert_eq!(head_of(key), head(key), "{len}");
        }
    }

    #[test]
    fn raw_values_are_borrowed_without_parsing_again() {
        let text = r#"{"bucketName": "b", "key": ["k", 1]}"#;
        let raw = borrowed_raw(text).expect("serde_json's raw value key changed");
        assert_eq!(raw.get(), text);
        assert!(std::ptr::eq(raw.get(), text));
    }
}
