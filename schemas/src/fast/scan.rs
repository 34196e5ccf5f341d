//! Scanning JSON text for the fast path: strings, plain integers, objects, each string value
//! checked by the privacy scan's rule as it is met.

use crate::pii::{check_scanned_string, is_code_byte, MAX_DEPTH};

const CODE: u8 = 0;
const QUOTE: u8 = 1;
const OTHER: u8 = 2;
const UNSURE: u8 = 3;

/// The class of each byte inside a JSON string: a code byte of the privacy scan, the closing quote,
/// anything else, or a byte the fast path leaves to the full path (the start of an escape
/// sequence, a control character, which JSON forbids in a string).
static BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        if is_code_byte(b as u8) {
            table[b] = CODE;
        } else if b < 0x20 {
            table[b] = UNSURE;
        }
        b += 1;
    }
    table[b'"' as usize] = QUOTE;
    table[b'\\' as usize] = UNSURE;
    table
};

pub(super) fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The string starting with the quote at `start`: its text, whether it holds only code bytes, and
/// the index after its closing quote. `None` if there is no quote at `start`, or on an escape
/// sequence, a control character or a missing closing quote.
pub(super) fn string(text: &str, start: usize) -> Option<(&str, bool, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut only_code_bytes = true;
    let mut end = start + 1;
    loop {
        match BYTE_CLASS[usize::from(*bytes.get(end)?)] {
            CODE => {}
            QUOTE => break,
            OTHER => only_code_bytes = false,
            _ => return None,
        }
        end += 1;
    }
    Some((&text[start + 1..end], only_code_bytes, end + 1))
}

/// The index after the JSON number at `start` if it is a plain integer (digits, no leading zero
/// unless alone): anything else (a sign, a fraction, an exponent) is left to the full path.
pub(super) fn digits_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut end = start;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    let leading_zero = bytes[start] == b'0' && end - start > 1;
    let continued = matches!(bytes.get(end), Some(b'.' | b'e' | b'E'));
    (!leading_zero && !continued && end - start <= 9).then_some(end)
}

/// The index after the object whose opening brace is at `start`, a value of the envelope (nesting
/// depth 1), running the privacy scan's string rule on its strings (keys attributed as by the full
/// scan). Brackets are only counted: the object's syntax is checked by its typed reading.
pub(super) fn object_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Per open container: whether it is an object, and the key its values are attributed to.
    let mut is_object = [false; MAX_DEPTH + 1];
    let mut keys = [""; MAX_DEPTH + 1];
    let mut depth = 1usize;
    let mut expect_key = false;
    let mut i = start;
    loop {
        match *bytes.get(i)? {
            open @ (b'{' | b'[') => {
                if depth == MAX_DEPTH {
                    return None;
                }
                let inherited = keys[depth];
                depth += 1;
                is_object[depth] = open == b'{';
                keys[depth] = if open == b'{' { "" } else { inherited };
                expect_key = open == b'{';
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 1 {
                    return Some(i + 1);
                }
                expect_key = false;
            }
            b',' => expect_key = is_object[depth],
            b':' => expect_key = false,
            b'"' => {
                let (s, only_code_bytes, after) = string(text, i)?;
                if expect_key {
                    keys[depth] = s;
                } else if check_scanned_string(s, "", keys[depth], only_code_bytes).is_err() {
                    return None;
                }
                i = after;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Reads an object nested in another, for [`read_object`]: given the field's index, the values read
/// so far and the index of the object's brace, the index after the object.
pub(super) type ReadNested<'a, 'f> = dyn FnMut(usize, &[&'a str], usize) -> Option<usize> + 'f;

/// Reads strictly the object whose opening brace is at `start`: each of `fields` at most once, each
/// value a string (without escape sequence), a plain integer, `true`, `false`, an array of such
/// strings, or an object, which `object` reads (given the field's index, the values read so far and
/// the brace's index; it returns the index after the object). Every string value, list items
/// included, is checked by the privacy scan's rule with its field's name. Fills `values` with the
/// text of each field's value (empty for a field absent) and returns the index after the closing
/// brace; `None` on anything else.
pub(super) fn read_object<'a>(
    text: &'a str,
    start: usize,
    fields: &[&str],
    values: &mut [&'a str],
    object: &mut ReadNested<'a, '_>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'{') {
        return None;
    }
    let mut seen = 0u32;
    let mut i = skip_whitespace(bytes, start + 1);
    if bytes.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        let (key, _, after) = string(text, i)?;
        // Producers send the fields in their usual order: try the next one first.
        let next = seen.count_ones() as usize;
        let field = if fields.get(next) == Some(&key) {
            next
        } else {
            fields.iter().position(|&f| f == key)?
        };
        if seen & (1 << field) != 0 {
            return None;
        }
        seen |= 1 << field;
        i = skip_whitespace(bytes, after);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value = skip_whitespace(bytes, i + 1);
        i = match bytes.get(value)? {
            b'"' => checked_string(text, value, key)?,
            b'0'..=b'9' => digits_end(bytes, value)?,
            b't' if text[value..].starts_with("true") => value + 4,
            b'f' if text[value..].starts_with("false") => value + 5,
            b'[' => list_end(text, value, key)?,
            b'{' => object(field, values, value)?,
            _ => return None,
        };
        values[field] = &text[value..i];
        i = skip_whitespace(bytes, i);
        match bytes.get(i)? {
            b',' => i = skip_whitespace(bytes, i + 1),
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The index after the string at `start`, once its text passes the privacy scan's rule for `key`.
fn checked_string(text: &str, start: usize, key: &str) -> Option<usize> {
    let (value, only_code_bytes, after) = string(text, start)?;
    check_scanned_string(value, "", key, only_code_bytes).ok()?;
    Some(after)
}

/// The index after the array of strings whose bracket is at `start`, each checked for `key`.
fn list_end(text: &str, start: usize, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = skip_whitespace(bytes, start + 1);
    if bytes.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        i = skip_whitespace(bytes, checked_string(text, i, key)?);
        match bytes.get(i)? {
            b',' => i = skip_whitespace(bytes, i + 1),
            b']' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The items of a list value that [`read_object`] read (`None` for any other value).
pub(super) fn items(list: &str) -> Option<impl Iterator<Item = &str> + '_> {
    let bytes = list.as_bytes();
    let mut i = 1;
    let items = std::iter::from_fn(move || {
        i = skip_whitespace(bytes, i);
        let (item, _, after) = string(list, i)?;
        i = skip_whitespace(bytes, after) + 1;
        Some(item)
    });
    list.starts_with('[').then_some(items)
}

/// The text of a string value that [`read_object`] read (`None` for any other value).
pub(super) fn quoted(value: &str) -> Option<&str> {
    value.strip_prefix('"')?.strip_suffix('"')
}

/// A boolean value that [`read_object`] read.
pub(super) fn boolean(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}
