//! What a file really is, told from its first bytes: clients name files and claim content
//! types freely (a phone may call anything `image.jpg`), so neither is believed.

/// A type that evidence may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceFileType {
    Jpeg,
    Png,
    Webp,
    Heic,
    Pdf,
}

/// How many leading bytes `sniff` needs at most.
pub const SNIFF_BYTES: usize = 16;

/// HEIF brands of HEIC stills and sequences (ISO/IEC 23008-12).
const HEIC_BRANDS: [&[u8; 4]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];

impl EvidenceFileType {
    /// The type of a file starting with `head`, or `None` when it is none of the allowed ones.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if head.len() >= 12 && &head[4..8] == b"ftyp" && HEIC_BRANDS.iter().any(|b| &head[8..12] == *b) {
            Some(Self::Heic)
        } else if head.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
            Self::Pdf => "application/pdf",
        }
    }

    /// Photos may carry EXIF capture time and GPS; PDFs do not.
    pub fn is_photo(self) -> bool {
        self != Self::Pdf
    }
}

#[cfg(test)]
mod tests {
    use super::EvidenceFileType::{self, *};

    #[test]
    fn each_allowed_type_is_told_by_its_magic_bytes() {
        let cases: [(&[u8], EvidenceFileType); 6] = [
            (b"\xFF\xD8\xFF\xE1\x00\x10Exif", Jpeg),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Png),
            (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Webp),
            (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", Heic),
            (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00", Heic),
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3", Pdf),
        ];
        for (head, expected) in cases {
            assert_eq!(EvidenceFileType::sniff(head), Some(expected), "{head:?}");
        }
    }

    #[test]
    fn anything_else_is_refused_whatever_it_is_called() {
        let refused: [&[u8]; 6] = [
            b"hello, this is text",
            b"GIF89a\x01\x00\x01\x00",
            b"PK\x03\x04zip",
            b"\x00\x00\x00\x18ftypisom\x00\x00",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
            b"",
        ];
        for head in refused {
            assert_eq!(EvidenceFileType::sniff(head), None, "{head:?}");
        }
    }
}
