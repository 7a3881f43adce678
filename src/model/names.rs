//! People written one way in tables and one way in prose, everywhere: `LEFÈVRE Marie` in a
//! column sorted by last name, `Marie Lefèvre` in a sentence ("Contact avec Marie
//! Lefèvre"). Names stored in capitals (`DUPONT`, `MARIE`) read as names in prose.

/// `LEFÈVRE Marie`: the last name in capitals, then the first name (tables, lists).
pub fn table_name(firstname: &str, lastname: &str) -> String {
    let first = readable(firstname.trim());
    format!("{} {first}", lastname.trim().to_uppercase()).trim().to_string()
}

/// `Marie Lefèvre`: first name then last name, as written in a sentence.
pub fn prose_name(firstname: &str, lastname: &str) -> String {
    format!("{} {}", readable(firstname.trim()), readable(lastname.trim())).trim().to_string()
}

/// A name stored all in capitals gets the capitals of a name (`LE GOFF` → `Le Goff`,
/// `N'DIAYE` → `N'Diaye`, `JEAN-MARC` → `Jean-Marc`); any other is kept as written
/// (`de La Fontaine`, `McBride`).
fn readable(s: &str) -> String {
    if s.chars().any(char::is_lowercase) || !s.chars().any(char::is_uppercase) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'' | '’');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_prose() {
        assert_eq!(table_name("Marie", "Lefèvre"), "LEFÈVRE Marie");
        assert_eq!(prose_name("Marie", "Lefèvre"), "Marie Lefèvre");
        assert_eq!(table_name(" Élodie ", "le goff"), "LE GOFF Élodie");
        assert_eq!(prose_name("JEAN-MARC", "N'DIAYE"), "Jean-Marc N'Diaye");
        assert_eq!(table_name("JEAN-MARC", "N'DIAYE"), "N'DIAYE Jean-Marc");
        assert_eq!(prose_name("Anne", "de La Fontaine"), "Anne de La Fontaine");
        assert_eq!(prose_name("ÉMILIE", "GUÉRIN"), "Émilie Guérin");
        assert_eq!(prose_name("", "DUPONT"), "Dupont");
        assert_eq!(table_name("Zoé", ""), "Zoé");
        assert_eq!(prose_name("李", "小龙"), "李 小龙");
    }
}
