//! The normalised file in Moodle's upload format (UTF-8 without BOM, comma, a header of
//! field names), ready for Moodle's own "Upload users": the columns of the file that Moodle
//! knows, with the values tutorat normalised (names, phones, matricule) and the usernames
//! and e-mails it settled (built, fictitious, or those of the existing person). Columns that
//! are not Moodle fields are left out; the password column is passed through as typed.

use std::io::Write;

use super::columns::{Column, Std};
use super::plan::{ImportPlan, PlanRow, RowStatus};
use crate::model::person::Civility;

/// Writes the rows of an importable plan; returns the number of rows written.
pub fn write(plan: &ImportPlan, out: impl Write) -> csv::Result<usize> {
    let mut w = csv::WriterBuilder::new().delimiter(b',').terminator(csv::Terminator::CRLF).from_writer(out);
    // username and email first when the file had none: Moodle needs them.
    let mut head: Vec<String> = Vec::new();
    let mut picks: Vec<Pick> = Vec::new();
    let has = |s: Std| plan.cols.contains(&Column::Std(s));
    for s in [Std::Username, Std::Email] {
        if !has(s) {
            head.push(s.name().to_string());
            picks.push(Pick::Std(s));
        }
    }
    for (i, (c, name)) in plan.cols.iter().zip(&plan.header).enumerate() {
        let pick = match c {
            Column::Unknown => continue,
            Column::Std(Std::Suspended | Std::Password | Std::Deleted) => Pick::Cell(i),
            Column::Std(s) => Pick::Std(*s),
            Column::Profile(p) if *p == plan.civility_field => Pick::Civility,
            Column::Profile(p) if *p == plan.matricule_field => Pick::Matricule,
            Column::Profile(_) | Column::Numbered(..) | Column::MoodleOnly => Pick::Cell(i),
        };
        head.push(match c {
            Column::Std(s) => s.name().to_string(),
            Column::Profile(_) => name.clone(),
            _ => name.to_lowercase(),
        });
        picks.push(pick);
    }
    w.write_record(&head)?;
    let mut n = 0;
    for r in plan.rows.iter().filter(|r| r.status != RowStatus::Error) {
        let rec: Vec<String> = picks.iter().map(|p| value(r, p)).collect();
        w.write_record(&rec)?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

enum Pick {
    Std(Std),
    Civility,
    Matricule,
    /// A cell as typed (trimmed, cleaned).
    Cell(usize),
}

fn value(r: &PlanRow, p: &Pick) -> String {
    let f = &r.fields;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    match p {
        Pick::Std(s) => match s {
            Std::Username => f.username.clone(),
            Std::Firstname => f.firstname.clone(),
            Std::Lastname => f.lastname.clone(),
            Std::Email => opt(&f.email),
            Std::Idnumber => opt(&f.idnumber),
            Std::Institution => opt(&f.organisation),
            Std::Department => opt(&f.department),
            Std::Phone1 => opt(&f.phone),
            Std::Phone2 => opt(&f.phone2),
            Std::City => opt(&f.city),
            Std::Suspended | Std::Password | Std::Deleted => String::new(),
        },
        Pick::Civility => match r.civility {
            Some(Civility::Monsieur) => "M.".into(),
            Some(Civility::Madame) => "Mme".into(),
            None => String::new(),
        },
        Pick::Matricule => opt(&f.matricule),
        Pick::Cell(i) => crate::text::clean(r.cells.get(*i).map(|s| s.trim()).unwrap_or("")),
    }
}
