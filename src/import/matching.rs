//! Matching the lines of a file against the people already known and against each other:
//! duplicates within the file, e-mail or username of someone known, usernames built from
//! the template (numbered on a clash), placeholder addresses, and what `--update` changes.

use std::collections::{HashMap, HashSet};

use super::columns::{Column, Std};
use super::plan::{Change, Ctx, MAX_USERNAME, PlanRow, RowStatus};
use super::reason::Reason;
use crate::store::import::ExistingPerson;
use crate::text;

impl Ctx<'_> {
    /// The username the template gives for these names; `None` when it cannot be built.
    fn build_username(&self, first: &str, last: &str) -> Result<String, Reason> {
        let t = &self.s.username_template;
        if t.contains("{establishment}") && self.s.establishment_code.is_empty() {
            return Err(Reason::NoEstablishment);
        }
        let (f, l) = (slug(first), slug(last));
        if (t.contains("{lastname}") && l.is_empty())
            || ((t.contains("{firstname}") || t.contains("{initial}")) && f.is_empty())
        {
            return Err(Reason::UsernameUnbuildable);
        }
        Ok(t.replace("{establishment}", &self.s.establishment_code.to_lowercase())
            .replace("{initial}", &f.chars().next().map(String::from).unwrap_or_default())
            .replace("{firstname}", &f)
            .replace("{lastname}", &l))
    }

    /// Matches every line against the people known and the other lines.
    pub(super) fn match_rows(&self, rows: &mut [PlanRow]) {
        // Duplicates within the file, on what the file gives.
        let mut emails: HashMap<String, usize> = HashMap::new();
        let mut usernames: HashMap<String, usize> = HashMap::new();
        let mut dup = vec![Vec::new(); rows.len()];
        for (i, r) in rows.iter().enumerate() {
            if let Some(e) = r.fields.email.as_deref() {
                if let Some(&j) = emails.get(&email_key(e)) {
                    dup[i].push(Reason::DuplicateEmail { other_line: rows[j].line });
                    dup[j].push(Reason::DuplicateEmail { other_line: r.line });
                } else {
                    emails.insert(email_key(e), i);
                }
            }
            if !r.fields.username.is_empty() {
                if let Some(&j) = usernames.get(&r.fields.username) {
                    dup[i].push(Reason::DuplicateUsername { other_line: rows[j].line });
                    dup[j].push(Reason::DuplicateUsername { other_line: r.line });
                } else {
                    usernames.insert(r.fields.username.clone(), i);
                }
            }
        }
        for (r, d) in rows.iter_mut().zip(dup) {
            r.reasons.extend(d);
        }
        // Usernames the file gives are nobody else's to take.
        let mut taken: HashSet<String> = usernames.into_keys().collect();
        let mut claimed: HashMap<usize, u64> = HashMap::new();
        let mut nameless: HashMap<(String, String), u64> = HashMap::new();
        // (earlier line, later line) pairs that are the same known person: both errors.
        let mut twice: Vec<(u64, u64)> = Vec::new();
        for r in rows.iter_mut() {
            if r.has_errors() {
                continue;
            }
            if r.fields.email.is_none() {
                let key = (text::fold(&r.fields.firstname), text::fold(&r.fields.lastname));
                match nameless.get(&key) {
                    Some(&other_line) => r.reasons.push(Reason::SameName { other_line }),
                    None => {
                        nameless.insert(key, r.line);
                    }
                }
            }
            let found = self.find(r, &mut taken, &claimed);
            match found {
                Err(reason) => r.reasons.push(reason),
                Ok(None) => r.status = RowStatus::New,
                Ok(Some(pi)) => {
                    if let Some(&other_line) = claimed.get(&pi) {
                        r.reasons.push(Reason::SamePerson { other_line });
                        twice.push((other_line, r.line));
                        continue;
                    }
                    claimed.insert(pi, r.line);
                    self.existing(r, &self.snap.people[pi]);
                }
            }
        }
        for (first, later) in twice {
            if let Some(r) = rows.iter_mut().find(|r| r.line == first) {
                r.reasons.push(Reason::SamePerson { other_line: later });
            }
        }
    }

    /// The existing person of a line (`Some(index)`), or `None` for a new one (then the
    /// line's username and e-mail are settled).
    fn find(
        &self,
        r: &mut PlanRow,
        taken: &mut HashSet<String>,
        claimed: &HashMap<usize, u64>,
    ) -> Result<Option<usize>, Reason> {
        let people = &self.snap.people;
        let by_email = r.fields.email.as_deref().and_then(|e| self.by_email.get(&email_key(e)).copied());
        let by_user = (!r.fields.username.is_empty())
            .then(|| self.by_username.get(r.fields.username.as_str()).copied())
            .flatten();
        match (by_email, by_user) {
            (Some(a), Some(b)) if a != b => {
                return Err(Reason::TwoPeople {
                    by_email: people[a].fields.username.clone(),
                    by_username: people[b].fields.username.clone(),
                });
            }
            (Some(a), _) | (_, Some(a)) => return Ok(Some(a)),
            (None, None) => {}
        }
        if !r.fields.username.is_empty() {
            if let Ok(expected) = self.build_username(&r.fields.firstname, &r.fields.lastname) {
                let u = &r.fields.username;
                let follows = u == &expected
                    || u.strip_prefix(expected.as_str())
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
                if !follows {
                    r.reasons.push(Reason::Nomenclature { expected });
                }
            }
            if r.fields.email.is_none() {
                r.fields.email = Some(self.s.fictitious_for(&r.fields.username));
                r.email_fictitious = true;
            }
            return Ok(None);
        }
        let base = self.build_username(&r.fields.firstname, &r.fields.lastname)?;
        if base.chars().count() > MAX_USERNAME - 3 {
            let chars = base.chars().count();
            return Err(Reason::TooLong { column: "username".into(), chars, max: MAX_USERNAME - 3 });
        }
        for k in 1..1000 {
            let cand = if k == 1 { base.clone() } else { format!("{base}{k}") };
            if taken.contains(&cand) {
                continue;
            }
            let same_names = |p: &ExistingPerson| {
                text::fold(&p.fields.firstname) == text::fold(&r.fields.firstname)
                    && text::fold(&p.fields.lastname) == text::fold(&r.fields.lastname)
            };
            let no_email = r.fields.email.is_none();
            match self.by_username.get(cand.as_str()) {
                // Without an e-mail to tell, someone with this username and these names is
                // the line's person (a file imported before).
                Some(&pi) if no_email && same_names(&people[pi]) && !claimed.contains_key(&pi) => {
                    return Ok(Some(pi));
                }
                Some(_) => continue,
                None => {
                    if no_email {
                        let fict = self.s.fictitious_for(&cand);
                        if let Some(&pi) = self.by_email.get(&email_key(&fict))
                            && same_names(&people[pi])
                            && !claimed.contains_key(&pi)
                        {
                            return Ok(Some(pi));
                        }
                        r.fields.email = Some(fict);
                        r.email_fictitious = true;
                    }
                    if k > 1 {
                        r.reasons.push(Reason::Suffixed { taken: base.clone() });
                    }
                    taken.insert(cand.clone());
                    r.fields.username = cand;
                    r.username_built = true;
                    return Ok(None);
                }
            }
        }
        Err(Reason::UsernameUnbuildable)
    }

    /// Settles a line that is an existing person: their username (and e-mail when the
    /// file has none), and what `--update` would change.
    fn existing(&self, r: &mut PlanRow, p: &ExistingPerson) {
        r.status = RowStatus::Existing;
        r.person_id = Some(p.id);
        let old = &p.fields;
        r.username_built = r.fields.username.is_empty();
        r.fields.username = old.username.clone();
        let mut m = old.clone();
        let has = |s: Std| self.cols.contains(&Column::Std(s));
        // The file's values over the person's; empty cells erase nothing.
        if let Some(e) = r.fields.email.clone() {
            if old.email.as_deref().map(email_key) != Some(email_key(&e)) {
                m.email = Some(e);
            }
        } else {
            r.fields.email = old.email.clone().or_else(|| {
                r.email_fictitious = true;
                Some(self.s.fictitious_for(&old.username))
            });
        }
        m.firstname = r.fields.firstname.clone();
        m.lastname = r.fields.lastname.clone();
        let over = |new: &Option<String>, old: &mut Option<String>| {
            if new.is_some() {
                *old = new.clone();
            }
        };
        over(&r.fields.civility, &mut m.civility);
        over(&r.fields.phone, &mut m.phone);
        over(&r.fields.phone2, &mut m.phone2);
        over(&r.fields.organisation, &mut m.organisation);
        over(&r.fields.department, &mut m.department);
        over(&r.fields.city, &mut m.city);
        over(&r.fields.idnumber, &mut m.idnumber);
        over(&r.fields.matricule, &mut m.matricule);
        if has(Std::Suspended)
            && r.cells.get(self.index(Std::Suspended)).is_some_and(|c| !c.trim().is_empty())
        {
            m.suspended = r.fields.suspended;
        }
        let mut changes = Vec::new();
        let mut diff = |field: &'static str, a: Option<String>, b: Option<String>| {
            if a != b {
                changes.push(Change { field, old: a, new: b });
            }
        };
        diff("email", old.email.clone(), m.email.clone());
        diff("civility", old.civility.clone(), m.civility.clone());
        diff("firstname", Some(old.firstname.clone()), Some(m.firstname.clone()));
        diff("lastname", Some(old.lastname.clone()), Some(m.lastname.clone()));
        diff("phone1", old.phone.clone(), m.phone.clone());
        diff("phone2", old.phone2.clone(), m.phone2.clone());
        diff("institution", old.organisation.clone(), m.organisation.clone());
        diff("department", old.department.clone(), m.department.clone());
        diff("city", old.city.clone(), m.city.clone());
        diff("idnumber", old.idnumber.clone(), m.idnumber.clone());
        diff("matricule", old.matricule.clone(), m.matricule.clone());
        diff("suspended", Some(old.suspended.to_string()), Some(m.suspended.to_string()));
        r.changes = changes;
        r.merged = Some(m);
    }

    fn index(&self, s: Std) -> usize {
        self.cols.iter().position(|c| *c == Column::Std(s)).unwrap_or(usize::MAX)
    }
}

/// E-mails compare trimmed and in any case.
pub(super) fn email_key(e: &str) -> String {
    e.trim().to_lowercase()
}

/// A name as it goes into a username: lower case, accents folded, ligatures spelt out,
/// only letters, digits and hyphens (spaces, apostrophes and dots dropped).
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in text::fold(s).chars() {
        match c {
            'a'..='z' | '0'..='9' | '-' => out.push(c),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' => out.push('d'),
            _ => {}
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("OLLIVET"), "ollivet");
        assert_eq!(slug("de la Fontaine"), "delafontaine");
        assert_eq!(slug("D'ALEMBERT-DUPRÉ"), "dalembert-dupre");
        assert_eq!(slug("Cœur"), "coeur");
        assert_eq!(slug("Łukasz"), "lukasz");
        assert_eq!(slug("李"), "");
    }
}
