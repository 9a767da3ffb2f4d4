//! The language a request prefers for labels, from its `Accept-Language` header.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::labels::Locale;

/// The request's preferred locale (Chinese unless it says otherwise).
pub fn request_locale(request: &HttpRequest) -> Locale {
    let header = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
    header.map_or(Locale::default(), preferred_locale)
}

/// The locale an `Accept-Language` value rates highest: `zh…` is Chinese, `en…` English, `*`
/// the default (Chinese); other languages and `q=0` are passed over, and of two rated alike the
/// one listed first wins. Chinese when nothing listed is one of ours.
pub fn preferred_locale(accept_language: &str) -> Locale {
    let mut best: Option<(f32, Locale)> = None;
    for range in accept_language.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        let locale = match primary {
            "zh" => Locale::Zh,
            "en" => Locale::En,
            "*" => Locale::default(),
            _ => continue,
        };
        let quality = parts
            .find_map(|parameter| parameter.strip_prefix("q=").or_else(|| parameter.strip_prefix("Q=")))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        if quality <= 0.0 {
            continue;
        }
        if best.is_none_or(|(rated, _)| quality > rated) {
            best = Some((quality, locale));
        }
    }
    best.map_or(Locale::default(), |(_, locale)| locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_rated_highest_wins() {
        assert_eq!(preferred_locale("en-US,en;q=0.9,zh-CN;q=0.8"), Locale::En);
        assert_eq!(preferred_locale("zh-CN,zh;q=0.9,en;q=0.8"), Locale::Zh);
        assert_eq!(preferred_locale("fr-FR, en;q=0.5, zh;q=0.7"), Locale::Zh);
        assert_eq!(preferred_locale("zh;q=0.3, EN-gb;q=0.6"), Locale::En);
        assert_eq!(preferred_locale("zh-Hant-TW"), Locale::Zh);
        assert_eq!(preferred_locale("en_US"), Locale::En);
    }

    #[test]
    fn ties_go_to_the_first_listed_and_a_refusal_counts_for_nothing() {
        assert_eq!(preferred_locale("en, zh"), Locale::En);
        assert_eq!(preferred_locale("zh;q=0, en;q=0.1"), Locale::En);
        assert_eq!(preferred_locale("en;q=0"), Locale::Zh);
        assert_eq!(preferred_locale("en;q=bad, zh;q=0.2"), Locale::Zh, "an unreadable rating refuses");
    }

    #[test]
    fn without_a_language_of_ours_it_is_chinese() {
        assert_eq!(preferred_locale(""), Locale::Zh);
        assert_eq!(preferred_locale("fr, de;q=0.8"), Locale::Zh);
        assert_eq!(preferred_locale("*"), Locale::Zh);
        assert_eq!(preferred_locale("*;q=0.5, en;q=0.4"), Locale::Zh);
    }
}
