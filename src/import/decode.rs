//! From the bytes of a file to text: size and binary checks, the encoding (a BOM, else
//! UTF-8 when the bytes are valid UTF-8, else Windows-1252, what French Excel writes), and
//! the delimiter when none is given.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Why a file cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    TooLarge {
        bytes: u64,
        max: u64,
    },
    /// NUL bytes or many control characters: not a text file.
    Binary,
}

/// Decodes `bytes`; the BOM, if any, is not part of the text.
pub fn decode(bytes: &[u8], max_bytes: u64) -> Result<(String, TextEncoding), DecodeError> {
    if bytes.len() as u64 > max_bytes {
        return Err(DecodeError::TooLarge { bytes: bytes.len() as u64, max: max_bytes });
    }
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let label = if enc == encoding_rs::UTF_8 {
            TextEncoding::Utf8Bom
        } else if enc == encoding_rs::UTF_16LE {
            TextEncoding::Utf16Le
        } else {
            TextEncoding::Utf16Be
        };
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return check_text(text.into_owned(), label);
    }
    if looks_binary(bytes) {
        return Err(DecodeError::Binary);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => check_text(s.to_string(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            check_text(text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

fn check_text(text: String, enc: TextEncoding) -> Result<(String, TextEncoding), DecodeError> {
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    if looks_binary(text.as_bytes()) {
        return Err(DecodeError::Binary);
    }
    Ok((text, enc))
}

/// A NUL byte, or more than 1 % of control bytes other than tab, line breaks and ESC (a
/// hostile name may carry escape sequences; random bytes carry about 12 %).
fn looks_binary(b: &[u8]) -> bool {
    if b.contains(&0) {
        return true;
    }
    let controls = b.iter().filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x1b)).count();
    controls * 100 > b.len()
}

/// The most frequent of `,` `;` and tab in the first line, outside quotes (comma on a tie,
/// Moodle's default).
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in text.bytes() {
        match c {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(e) = counts.iter_mut().find(|(d, _)| *d == c) {
                    e.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// `,` `;` `tab` (or a tab character) and `auto` (None).
pub fn parse_delimiter(s: &str) -> Result<Option<u8>, String> {
    match s.trim_matches(' ') {
        "auto" | "" => Ok(None),
        "," | "comma" => Ok(Some(b',')),
        ";" | "semicolon" => Ok(Some(b';')),
        "\t" | "tab" | "\\t" => Ok(Some(b'\t')),
        other => Err(other.to_string()),
    }
}

pub fn delimiter_label(d: u8) -> &'static str {
    match d {
        b';' => ";",
        b'\t' => "tab",
        _ => ",",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let (t, e) = decode("\u{feff}prénom;nom\n".as_bytes(), 1000).unwrap();
        assert_eq!((t.as_str(), e), ("prénom;nom\n", TextEncoding::Utf8Bom));
        let (t, e) = decode("prénom\n".as_bytes(), 1000).unwrap();
        assert_eq!((t.as_str(), e), ("prénom\n", TextEncoding::Utf8));
        let (t, e) = decode(b"pr\xe9nom;\x80\n", 1000).unwrap();
        assert_eq!((t.as_str(), e), ("prénom;€\n", TextEncoding::Windows1252));
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend("nom\tprénom\n".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let (t, e) = decode(&utf16, 1000).unwrap();
        assert_eq!((t.as_str(), e), ("nom\tprénom\n", TextEncoding::Utf16Le));
    }

    #[test]
    fn refusals() {
        assert_eq!(decode(b"", 10), Err(DecodeError::Empty));
        assert_eq!(decode(b" \r\n\n", 10), Err(DecodeError::Empty));
        assert_eq!(decode("\u{feff}".as_bytes(), 10), Err(DecodeError::Empty));
        assert_eq!(decode(&[b'a'; 11], 10), Err(DecodeError::TooLarge { bytes: 11, max: 10 }));
        assert_eq!(decode(b"a,b\n\x00\x01", 100), Err(DecodeError::Binary));
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(decode(&garbage, 10_000), Err(DecodeError::Binary));
        // Escape sequences in a name are not binary.
        assert!(decode(b"firstname,lastname\n\x1b[31mA,B\n", 100).is_ok());
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("firstname;lastname;email\na,b,c"), b';');
        assert_eq!(sniff_delimiter("firstname,lastname\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter("single"), b',');
        assert_eq!(parse_delimiter("tab"), Ok(Some(b'\t')));
        assert_eq!(parse_delimiter("auto"), Ok(None));
        assert!(parse_delimiter("|").is_err());
    }
}
