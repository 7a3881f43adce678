//! The CSV import, cohorts and session setup against both databases, on the fixtures of
//! `tests/fixtures/import/`: every rule of issue 12, all or nothing, idempotence, cohort
//! sync, session setup in one transaction, the Moodle CSV read back.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};

use support::import::{NOW, apply, count, fixture, links, people, plan, world};
use tutorat::import::decode::TextEncoding;
use tutorat::import::{FileProblem, Reason, RowStatus};
use tutorat::model::person::{Field, Problem};
use tutorat::store::import::WriteError;

fn codes(p: &tutorat::import::ImportPlan, line: u64) -> Vec<&'static str> {
    p.rows.iter().find(|r| r.line == line).unwrap().reasons.iter().map(Reason::code).collect()
}

both!(semicolons_bom_follow_the_centres_rules, |db| {
    world(&db.store).await;
    let p = plan(&db.store, &fixture("semicolons_bom.csv"), false).await;
    assert_eq!(p.encoding, Some(TextEncoding::Utf8Bom));
    assert_eq!(p.delimiter, Some(b';'));
    assert!(p.problem.is_none(), "{:?}", p.problem);
    // The line of empty cells at the end is not a record.
    assert_eq!(
        p.rows.iter().map(|r| (r.line, r.status)).collect::<Vec<_>>(),
        [(2, RowStatus::New), (3, RowStatus::New), (4, RowStatus::New), (5, RowStatus::New)]
    );
    let cols = p.columns.as_ref().unwrap();
    assert_eq!(cols.moodle_only, ["password"]);
    assert!(cols.unknown.is_empty());
    assert_eq!(p.new_cohorts, ["Cohorte_Ex25"]);
    let s = apply(&db.store, &p).await.unwrap();
    assert_eq!((s.created, s.updated, s.cohorts_created, s.cohort_members_added), (4, 0, 1, 3));
    let got = people(&db.store).await;
    let want = [
        // username built (lower case, accents folded, particles kept), e-mail as given,
        // +33 converted, matricule prefixed once.
        "dam023.b.trice|Bea|TRICE|Bea.trice@exemple.fr|06 98 76 54 32|0001234|-|-|false",
        "dam023.j.delafontaine|Jean-Pierre|DE LA FONTAINE|jp.delafontaine@exemple.fr|01 45 67 89 10|00077|-|-|false",
        // No e-mail: the placeholder the reminders skip; matricule already prefixed.
        "dam023.p.dupond|Pierre|DUPOND|dam023.p.dupond.fictif@anfh.fr|-|000555|-|-|false",
        "dam023.v.blondel|Valentin|BLONDEL|V.Blondel@anfh.fr|06 12 34 56 78|000812|-|-|false",
        "kbenali|Karim|Benali|-|-|-|-|-|false",
        "mlefevre|Marie|Lefèvre|mlefevre@exemple.fr|-|-|-|-|false",
    ];
    assert_eq!(got, want);
    let rem =
        tutorat::reminders::Reminders::from_config(&support::import::config(), tutorat::locale::Lang::Fr)
            .unwrap();
    assert!(rem.is_fictitious("dam023.p.dupond.fictif@anfh.fr"), "the reminders' own rule");
    // The password column is never stored anywhere.
    let dump = format!("{got:?}{:?}", links(&db.store).await);
    assert!(!dump.contains("Anfh_2025"));
    assert_eq!(
        links(&db.store).await,
        [
            "cohort Cohorte_Ex25 dam023.b.trice",
            "cohort Cohorte_Ex25 dam023.p.dupond",
            "cohort Cohorte_Ex25 dam023.v.blondel"
        ]
    );

    // The same file again changes nothing: every line is an existing person.
    let before = (people(&db.store).await, links(&db.store).await);
    let again = plan(&db.store, &fixture("semicolons_bom.csv"), false).await;
    assert!(again.rows.iter().all(|r| r.status == RowStatus::Existing), "{:?}", again.rows);
    assert!(again.rows.iter().all(|r| r.changes.is_empty()), "{:?}", again.rows);
    let s = apply(&db.store, &again).await.unwrap();
    assert_eq!((s.created, s.updated, s.cohorts_created, s.cohort_members_added), (0, 0, 0, 0));
    assert_eq!((people(&db.store).await, links(&db.store).await), before);
});

both!(windows_1252_and_quoted_newlines, |db| {
    world(&db.store).await;
    let p = plan(&db.store, &fixture("windows1252.csv"), false).await;
    assert_eq!(p.encoding, Some(TextEncoding::Windows1252));
    let names: Vec<(&str, &str)> =
        p.rows.iter().map(|r| (r.fields.firstname.as_str(), r.fields.lastname.as_str())).collect();
    assert_eq!(names, [("Éloïse", "LEFÈVRE"), ("François", "NOËL"), ("Cécile", "ŒUVRAY")]);
    assert_eq!(p.rows[1].fields.city.as_deref(), Some("Montélimar"));
    apply(&db.store, &p).await.unwrap();

    let p = plan(&db.store, &fixture("quoted_newlines.csv"), false).await;
    assert_eq!((p.encoding, p.delimiter), (Some(TextEncoding::Utf8), Some(b',')));
    // A record holding a line break spans two lines: the next one starts at line 4.
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4, 5]);
    let anne = &p.rows[0].fields;
    assert_eq!(anne.department.as_deref(), Some("Soins, étage 2"));
    // A line break inside a name or a town is stored as a space.
    assert_eq!(anne.city.as_deref(), Some("Saint-Paul- Trois-Châteaux"));
    assert_eq!(p.rows[1].fields.lastname, "O'NEIL \"POLO\"");
    assert!(p.is_importable());
});

both!(duplicate_lines_are_both_errors_and_nothing_is_written, |db| {
    world(&db.store).await;
    let before = people(&db.store).await;
    let p = plan(&db.store, &fixture("duplicates.csv"), false).await;
    assert_eq!(codes(&p, 2), ["duplicate_email"]);
    assert_eq!(codes(&p, 3), ["duplicate_email"]);
    assert_eq!(codes(&p, 4), ["duplicate_username"]);
    assert_eq!(codes(&p, 5), ["duplicate_username"]);
    assert_eq!(p.rows[0].reasons, [Reason::DuplicateEmail { other_line: 3 }]);
    assert_eq!(p.rows[3].reasons, [Reason::DuplicateUsername { other_line: 4 }]);
    assert_eq!(p.rows[4].status, RowStatus::New);
    assert_eq!(p.counts().error, 4);
    assert!(p.writes().is_none());
    assert!(matches!(apply(&db.store, &p).await, Err(WriteError::Invalid(_))));
    assert_eq!(people(&db.store).await, before);
});

both!(existing_people_are_matched_never_duplicated, |db| {
    let w = world(&db.store).await;
    let p = plan(&db.store, &fixture("existing.csv"), false).await;
    let st: Vec<(RowStatus, Option<i64>, &str)> =
        p.rows.iter().map(|r| (r.status, r.person_id, r.fields.username.as_str())).collect();
    // By e-mail in another case (username taken from the database), by username, new.
    assert_eq!(
        st,
        [
            (RowStatus::Existing, Some(w.marie), "mlefevre"),
            (RowStatus::Existing, Some(w.karim), "kbenali"),
            (RowStatus::New, None, "dam023.n.haddad")
        ]
    );
    let fields: Vec<&str> = p.rows[0].changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, ["lastname", "phone1", "city"]);
    let before = people(&db.store).await;
    apply(&db.store, &p).await.unwrap();
    let after = people(&db.store).await;
    // Without --update the records stay; only the new person is added…
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.contains(&before[0]) && after.contains(&before[1]));
    // …but the cohort the lines ask for takes all three.
    assert_eq!(
        links(&db.store).await,
        ["cohort Tuteurs dam023.n.haddad", "cohort Tuteurs kbenali", "cohort Tuteurs mlefevre"]
    );

    // With --update the file's values are written; empty cells erase nothing.
    let p = plan(&db.store, &fixture("existing.csv"), true).await;
    let s = apply(&db.store, &p).await.unwrap();
    assert_eq!((s.created, s.updated), (0, 2));
    let got = people(&db.store).await;
    assert!(
        got.contains(&"mlefevre|Marie|LEFÈVRE|mlefevre@exemple.fr|06 11 22 33 44|-|Grenoble|-|false".into()),
        "{got:#?}"
    );
    assert!(got.contains(&"kbenali|Karim|BENALI|-|-|-|Lyon|-|false".into()), "{got:#?}");
    // And once more: nothing left to change.
    let p = plan(&db.store, &fixture("existing.csv"), true).await;
    assert!(p.rows.iter().all(|r| r.status == RowStatus::Existing && r.changes.is_empty()));
    let s = apply(&db.store, &p).await.unwrap();
    assert_eq!((s.created, s.updated, s.cohort_members_added), (0, 0, 0));
});

both!(an_email_of_one_person_and_a_username_of_another_is_an_error, |db| {
    world(&db.store).await;
    let csv = "username,firstname,lastname,email\nkbenali,Karim,Benali,mlefevre@exemple.fr\n";
    let p = plan(&db.store, csv.as_bytes(), false).await;
    assert_eq!(
        p.rows[0].reasons,
        [Reason::TwoPeople { by_email: "mlefevre".into(), by_username: "kbenali".into() }]
    );
});

both!(built_usernames_get_a_number_on_a_clash, |db| {
    world(&db.store).await;
    // Someone else already has dam023.l.ollivet.
    let first = "username,firstname,lastname,email\ndam023.l.ollivet,Louis,Ollivet,louis@exemple.fr\n";
    apply(&db.store, &plan(&db.store, first.as_bytes(), false).await).await.unwrap();
    let csv = "firstname,lastname,email\nLucie,Ollivet,lucie@exemple.fr\nLéa,Ollivet,\nLéa,Ollivet,\n";
    let p = plan(&db.store, csv.as_bytes(), false).await;
    let got: Vec<(&str, Option<&str>)> =
        p.rows.iter().map(|r| (r.fields.username.as_str(), r.fields.email.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("dam023.l.ollivet2", Some("lucie@exemple.fr")),
            ("dam023.l.ollivet3", Some("dam023.l.ollivet3.fictif@anfh.fr")),
            ("dam023.l.ollivet4", Some("dam023.l.ollivet4.fictif@anfh.fr"))
        ]
    );
    assert_eq!(codes(&p, 2), ["username_suffixed"]);
    assert_eq!(codes(&p, 4), ["same_name", "username_suffixed"]);
    apply(&db.store, &p).await.unwrap();
    // Read again, the two Léa without e-mail are found, each once, not created again.
    let again = plan(&db.store, csv.as_bytes(), false).await;
    let ids: Vec<Option<i64>> = again.rows.iter().map(|r| r.person_id).collect();
    assert!(again.rows.iter().all(|r| r.status == RowStatus::Existing), "{:?}", again.rows);
    assert!(ids[1] != ids[2]);
    assert_eq!(apply(&db.store, &again).await.unwrap().created, 0);
    // A given username outside the nomenclature is a warning, not an error.
    let csv = "username,firstname,lastname\njdupont,Jean,Dupont\n";
    let p = plan(&db.store, csv.as_bytes(), false).await;
    assert_eq!(p.rows[0].reasons, [Reason::Nomenclature { expected: "dam023.j.dupont".into() }]);
    assert_eq!(p.rows[0].status, RowStatus::New);
});

both!(all_or_nothing_on_the_thousandth_line, |db| {
    world(&db.store).await;
    let mut csv = String::from("firstname,lastname,email\n");
    for i in 2..=1200 {
        let email =
            if i == 1000 { "sans-arobase.exemple.fr".to_string() } else { format!("p{i}@exemple.fr") };
        csv.push_str(&format!("Prénom{i},Nom{i},{email}\n"));
    }
    let before = count(&db.store, "people").await;
    let p = plan(&db.store, csv.as_bytes(), false).await;
    let errors: Vec<(u64, Vec<&str>)> =
        p.rows.iter().filter(|r| r.status == RowStatus::Error).map(|r| (r.line, codes(&p, r.line))).collect();
    assert_eq!(errors, [(1000, vec!["email_without_at"])]);
    assert!(apply(&db.store, &p).await.is_err());
    assert_eq!(count(&db.store, "people").await, before);

    // Without the error it goes in; cancelled after the first batch, nothing stays.
    let csv = csv.replace("sans-arobase.exemple.fr", "p1000@exemple.fr");
    let p = plan(&db.store, csv.as_bytes(), false).await;
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let res = tutorat::import::apply(&db.store, &p, NOW, &cancel, &mut |done, total| {
        seen.push((done, total));
        cancel.store(true, Ordering::SeqCst);
    })
    .await;
    assert!(matches!(res, Err(WriteError::Cancelled)), "{res:?}");
    assert_eq!(seen, [(500, 1199)]);
    assert_eq!(count(&db.store, "people").await, before);
    let mut seen = Vec::new();
    let s =
        tutorat::import::apply(&db.store, &p, NOW, &AtomicBool::new(false), &mut |d, t| seen.push((d, t)))
            .await
            .unwrap();
    assert_eq!(s.created, 1199);
    assert_eq!(seen, [(500, 1199), (1000, 1199), (1199, 1199)]);
    assert_eq!(count(&db.store, "people").await, before + 1199);
});

both!(a_plan_made_before_someone_else_imported_is_refused, |db| {
    world(&db.store).await;
    let p = plan(&db.store, &fixture("windows1252.csv"), false).await;
    let other = "firstname,lastname,email\nÉloïse,Lefèvre,eloise.lefevre@exemple.fr\n";
    apply(&db.store, &plan(&db.store, other.as_bytes(), false).await).await.unwrap();
    let n = count(&db.store, "people").await;
    assert!(matches!(apply(&db.store, &p).await, Err(WriteError::Stale)));
    assert_eq!(count(&db.store, "people").await, n);
});

both!(courses_roles_groups_and_periods, |db| {
    world(&db.store).await;
    let p = plan(&db.store, &fixture("courses.csv"), false).await;
    assert!(p.is_importable(), "{:?}", p.rows);
    let lea = &p.rows[0].courses;
    assert_eq!(lea.len(), 2);
    // enroltimestart 05/01/2026 (UTC in the tests) and 30 days.
    assert_eq!(lea[0].write.start_at, Some(1_767_571_200));
    assert_eq!(lea[0].write.end_at, Some(1_767_571_200 + 30 * 86_400));
    assert_eq!((lea[1].shortname.as_str(), lea[1].role), ("SUPPORT", "student"));
    let s = apply(&db.store, &p).await.unwrap();
    assert_eq!((s.enrolments_added, s.tutors_added, s.groups_created, s.group_members_added), (3, 1, 1, 2));
    assert_eq!(
        links(&db.store).await,
        [
            "enrol QVT-MODELE dam023.h.blanc mandatory active",
            "enrol QVT-MODELE dam023.l.girard mandatory active",
            "enrol SUPPORT dam023.l.girard mandatory active",
            "group Groupe A dam023.h.blanc",
            "group Groupe A dam023.l.girard",
            "tutor QVT-MODELE dam023.i.faure"
        ]
    );
    let again = plan(&db.store, &fixture("courses.csv"), false).await;
    let s = apply(&db.store, &again).await.unwrap();
    assert_eq!((s.enrolments_added, s.tutors_added, s.groups_created, s.group_members_added), (0, 0, 0, 0));
});

both!(hostile_and_broken_lines_say_what_and_where, |db| {
    world(&db.store).await;
    let p = plan(&db.store, &fixture("hostile.csv"), false).await;
    // Escape sequences, bidi overrides and zero-width characters: stored cleaned, flagged.
    assert_eq!(codes(&p, 2), ["cleaned", "cleaned"]);
    assert_eq!((p.rows[0].fields.firstname.as_str(), p.rows[0].fields.lastname.as_str()), ("Eve", "ROUGE"));
    assert_eq!(p.rows[0].status, RowStatus::New);
    assert_eq!(codes(&p, 3), ["cleaned", "cleaned"]);
    assert_eq!(
        (p.rows[1].fields.firstname.as_str(), p.rows[1].fields.lastname.as_str()),
        ("Ada", "LOVELACE")
    );
    assert_eq!(
        p.rows[2].reasons,
        [Reason::Person(Problem::TooLong { field: Field::Lastname, chars: 300, max: 100 })]
    );
    assert_eq!(p.rows[3].reasons, [Reason::EmailNoAt("carl.exemple.fr".into())]);
    assert_eq!(
        p.rows[4].reasons,
        [Reason::BadDate { column: "enroltimestart1".into(), value: "31/02/2026".into(), not_real: true }]
    );
    assert_eq!(codes(&p, 7), ["bad_phone"]);
    assert_eq!(p.rows[6].reasons, [Reason::Person(Problem::Missing(Field::Lastname))]);
    assert_eq!(p.rows[7].reasons, [Reason::UnknownCourse("NOPE".into())]);
    assert_eq!(p.counts().error, 6);
    let loc = tutorat::locale::Locale::new(tutorat::locale::Lang::Fr);
    assert_eq!(p.rows[4].reasons[0].describe(&loc), "enroltimestart1 « 31/02/2026 » : ce jour n'existe pas");
    let n = count(&db.store, "people").await;
    assert!(apply(&db.store, &p).await.is_err());
    assert_eq!(count(&db.store, "people").await, n);
});

both!(cohort_sync_enrols_and_ends_enrolments, |db| {
    let w = world(&db.store).await;
    apply(&db.store, &plan(&db.store, &fixture("semicolons_bom.csv"), false).await).await.unwrap();
    // Valentin also follows the model course by hand: the sync must never end that one.
    let by_hand = "firstname,lastname,email,course1\nValentin,Blondel,v.blondel@anfh.fr,SUPPORT\n";
    apply(&db.store, &plan(&db.store, by_hand.as_bytes(), false).await).await.unwrap();

    let dry = db.store.sync_cohort("Cohorte_Ex25", "SUPPORT", NOW, true).await.unwrap();
    assert_eq!((dry.newly_linked, dry.counts.enrolled), (true, 2));
    assert_eq!(count(&db.store, "cohort_courses").await, 0, "a dry run writes nothing");
    let r = db.store.sync_cohort("Cohorte_Ex25", "SUPPORT", NOW, false).await.unwrap();
    assert_eq!((r.newly_linked, r.course_id, r.counts.enrolled, r.counts.ended), (true, w.support, 2, 0));
    let again = db.store.sync_cohort("Cohorte_Ex25", "SUPPORT", NOW, false).await.unwrap();
    assert_eq!((again.newly_linked, again.counts.enrolled), (false, 0));

    // A new member through an import is enrolled by the sync at once.
    let more = "firstname,lastname,email,cohort1\nNina,Perret,nina.perret@exemple.fr,Cohorte_Ex25\n";
    let s = apply(&db.store, &plan(&db.store, more.as_bytes(), false).await).await.unwrap();
    assert_eq!(s.cohort_sync.enrolled, 1);

    // Members who leave: the sync's enrolments end (kept, inactive), the one by hand stays.
    let users = vec!["dam023.b.trice".to_string(), "dam023.v.blondel".to_string()];
    let r = db.store.remove_cohort_members("Cohorte_Ex25", &users, NOW + 10, false).await.unwrap();
    assert_eq!((r.removed, r.counts.ended), (2, 1));
    let support_links: Vec<String> =
        links(&db.store).await.into_iter().filter(|l| l.starts_with("enrol SUPPORT")).collect();
    assert_eq!(
        support_links,
        [
            "enrol SUPPORT dam023.b.trice mandatory ended",
            "enrol SUPPORT dam023.n.perret mandatory active",
            "enrol SUPPORT dam023.p.dupond mandatory active",
            "enrol SUPPORT dam023.v.blondel mandatory active"
        ]
    );
    let ended: Option<i64> = tutorat::with_pool!(&db.store, |p| sqlx::query_scalar(
        "SELECT e.end_at FROM enrolments e JOIN people p ON p.id = e.person_id WHERE p.username = 'dam023.b.trice'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(ended, Some(NOW + 10));
    // Back in the cohort: the same enrolment is reopened, not a new one.
    let back = "firstname,lastname,email,cohort1\nBea,Trice,bea.trice@exemple.fr,Cohorte_Ex25\n";
    let s = apply(&db.store, &plan(&db.store, back.as_bytes(), false).await).await.unwrap();
    assert_eq!((s.cohort_sync.reactivated, s.cohort_sync.enrolled), (1, 0));
    let d = db.store.cohort("Cohorte_Ex25").await.unwrap().unwrap();
    assert_eq!((d.cohort.members, d.courses.len()), (3, 1));
    assert!(db.store.sync_cohort("Nope", "SUPPORT", NOW, false).await.is_err());
    assert!(db.store.sync_cohort("Cohorte_Ex25", "NOPE", NOW, false).await.is_err());
});

both!(session_setup_in_one_transaction, |db| {
    let w = world(&db.store).await;
    let snap = db.store.import_snapshot().await.unwrap();
    let cats = db.store.categories().await.unwrap();
    let req = tutorat::import::session::SessionRequest {
        model: "QVT-MODELE".into(),
        from: "05/01/2026".into(),
        to: "2026-02-28".into(),
        order: Some("CMD-2026-042".into()),
        tutors: vec!["mlefevre".into()],
        support: Some("SUPPORT".into()),
        category: Some("Santé/Sessions 2026".into()),
    };
    let tz = tutorat::model::time::DisplayTz::parse("UTC").unwrap();
    let sp = tutorat::import::session::plan_session(&req, &Default::default(), &snap, &cats, tz).unwrap();
    let learners = "firstname,lastname,email\nMarie,Lefèvre,mlefevre@exemple.fr\nOscar,Vidal,oscar.vidal@exemple.fr\nPaula,Rey,\n";
    let lp = plan(&db.store, learners.as_bytes(), false).await;
    assert_eq!(lp.counts().new, 2);
    let set = lp.writes().unwrap();

    // Cancelled at the end: no account, no course, no category, nothing.
    let (n_people, n_courses, n_cats) = (
        count(&db.store, "people").await,
        count(&db.store, "courses").await,
        count(&db.store, "categories").await,
    );
    let cancel = AtomicBool::new(false);
    let res = db
        .store
        .create_session(&sp.write(Some(w.marie)), Some(&set), NOW, &cancel, &mut |_, _| {
            cancel.store(true, Ordering::SeqCst)
        })
        .await;
    assert!(matches!(res, Err(WriteError::Cancelled)));
    assert_eq!(
        (
            count(&db.store, "people").await,
            count(&db.store, "courses").await,
            count(&db.store, "categories").await
        ),
        (n_people, n_courses, n_cats)
    );

    let s = db
        .store
        .create_session(&sp.write(Some(w.marie)), Some(&set), NOW, &AtomicBool::new(false), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!((s.lessons_copied, s.tutors_added, s.learners_enrolled, s.support_enrolled), (3, 1, 3, 3));
    assert_eq!((s.people.created, s.categories_created), (2, 1));
    let name = "Session du 05-01-2026 au 28-02-2026_Qualité de vie au travail (QVT)";
    let course: (String, String, Option<i64>, Option<i64>) = tutorat::with_pool!(&db.store, |p| sqlx::query_as(
        "SELECT c.shortname, k.name, c.start_at, c.end_at FROM courses c JOIN categories k ON k.id = c.category_id WHERE c.id = $1"
    )
    .bind(s.course_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(
        course,
        (name.to_string(), "Sessions 2026".to_string(), Some(1_767_571_200), Some(1_772_323_199))
    );
    let session_links: Vec<String> = links(&db.store)
        .await
        .into_iter()
        .filter(|l| l.contains("Session du") || l.contains("CMD-2026-042") || l.contains("SUPPORT"))
        .collect();
    assert_eq!(
        session_links,
        [
            "enrol SUPPORT dam023.o.vidal free active".to_string(),
            "enrol SUPPORT dam023.p.rey free active".to_string(),
            "enrol SUPPORT mlefevre free active".to_string(),
            format!("enrol {name} dam023.o.vidal mandatory active"),
            format!("enrol {name} dam023.p.rey mandatory active"),
            format!("enrol {name} mlefevre mandatory active"),
            "group CMD-2026-042 dam023.o.vidal".to_string(),
            "group CMD-2026-042 dam023.p.rey".to_string(),
            "group CMD-2026-042 mlefevre".to_string(),
            format!("tutor {name} mlefevre"),
        ]
    );
    let row: (Option<String>, Option<i64>, Option<i64>) = tutorat::with_pool!(&db.store, |p| sqlx::query_as(
        "SELECT order_id, support_course_id, created_by FROM sessions WHERE course_id = $1"
    )
    .bind(s.course_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(row, (Some("CMD-2026-042".into()), Some(w.support), Some(w.marie)));
    // The same session again is refused, and writes nothing.
    let snap = db.store.import_snapshot().await.unwrap();
    let cats = db.store.categories().await.unwrap();
    assert!(matches!(
        tutorat::import::session::plan_session(&req, &Default::default(), &snap, &cats, tz),
        Err(tutorat::import::session::SessionError::CourseExists(_))
    ));
});

both!(the_moodle_csv_reads_back_to_the_same_rows, |db| {
    world(&db.store).await;
    for name in
        ["semicolons_bom.csv", "windows1252.csv", "quoted_newlines.csv", "courses.csv", "existing.csv"]
    {
        let p = plan(&db.store, &fixture(name), false).await;
        assert!(p.is_importable(), "{name}");
        let mut out = Vec::new();
        let n = tutorat::import::moodle_csv::write(&p, &mut out).unwrap();
        assert_eq!(n, p.rows.len());
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(!text.starts_with('\u{feff}'));
        assert!(
            text.lines().next().unwrap().starts_with("username,email,") || text.starts_with("username,"),
            "{text}"
        );
        let back = plan(&db.store, &out, false).await;
        assert_eq!(back.delimiter, Some(b','));
        assert!(back.is_importable(), "{name}: {:?}", back.rows);
        let key = |p: &tutorat::import::ImportPlan| {
            p.rows
                .iter()
                .map(|r| {
                    (
                        r.status,
                        r.person_id,
                        r.fields.clone(),
                        r.civility,
                        r.cohorts.clone(),
                        r.courses.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&back), key(&p), "{name}");
    }
    // Unknown columns are reported and left out; the password goes to Moodle as typed.
    let csv = "firstname,lastname,email,password,Prénom\nAnna,Blum,anna@exemple.fr,S3cret!,x\n";
    let p = plan(&db.store, csv.as_bytes(), false).await;
    assert_eq!(p.columns.as_ref().unwrap().unknown, ["Prénom"]);
    let mut out = Vec::new();
    tutorat::import::moodle_csv::write(&p, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "username,firstname,lastname,email,password\r\ndam023.a.blum,Anna,BLUM,anna@exemple.fr,S3cret!\r\n"
    );
});

both!(who_may_import_from_the_dashboard, |db| {
    let w = world(&db.store).await;
    let mut fx = support::fixture::Fx::new(&db.store).await;
    fx.admin("admin").await;
    fx.done().await;
    let may = async |u: &str| db.store.can_manage(&db.store.scope_for(u).await.unwrap()).await.unwrap();
    assert!(may("admin").await);
    assert!(!may("mlefevre").await);
    assert!(!may("nobody").await);
    let sql = "UPDATE people SET is_manager = TRUE WHERE id = $1";
    tutorat::with_pool!(&db.store, |p| sqlx::query(sql).bind(w.marie).execute(p).await.map(|_| ())).unwrap();
    assert!(may("mlefevre").await);
});

both!(a_quote_left_open_and_a_short_line_are_named, |db| {
    world(&db.store).await;
    let csv =
        "firstname,lastname,email\nAnne,Martin\nPaul,\"Dupont,paul@exemple.fr\nZoé,Roux,zoe@exemple.fr\n";
    let p = plan(&db.store, csv.as_bytes(), false).await;
    assert_eq!(p.rows[0].reasons, [Reason::FieldCount { found: 2, expected: 3 }]);
    assert_eq!((p.rows[1].line, codes(&p, 3)), (3, vec!["unclosed_quote"]));
    assert_eq!(p.rows.len(), 2);
});

#[test]
fn files_that_cannot_be_read_say_why() {
    let s = support::import::settings();
    let snap = tutorat::store::import::Snapshot::default();
    let o = support::import::opts(false);
    let problem = |b: &[u8]| tutorat::import::plan(b, &s, &snap, &o).problem;
    use tutorat::import::columns::HeaderError;
    use tutorat::import::decode::DecodeError;
    assert_eq!(problem(b""), Some(FileProblem::Decode(DecodeError::Empty)));
    assert_eq!(problem(b"firstname,lastname,email\r\n"), Some(FileProblem::NoRows));
    assert_eq!(
        problem(b"firstname,email\nA,a@b.fr\n"),
        Some(FileProblem::Header(HeaderError::Missing("lastname".into())))
    );
    assert_eq!(problem(b"firstname;lastname\nA;B\n"), None, "a semicolon file is detected");
    let mut o2 = o;
    o2.delimiter = Some(b',');
    assert_eq!(
        tutorat::import::plan(b"firstname;lastname\nA;B\n", &s, &snap, &o2).problem,
        Some(FileProblem::Header(HeaderError::FewColumns { delimiter: b',', likely: Some(b';') }))
    );
    let big = vec![b'a'; 50 * 1024 * 1024];
    assert!(matches!(problem(&big), Some(FileProblem::Decode(DecodeError::TooLarge { .. }))));
    let garbage: Vec<u8> = (0..65_536u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    assert_eq!(problem(&garbage), Some(FileProblem::Decode(DecodeError::Binary)));
    let loc = tutorat::locale::Locale::new(tutorat::locale::Lang::En);
    assert_eq!(
        FileProblem::Header(HeaderError::FewColumns { delimiter: b',', likely: Some(b';') }).describe(&loc),
        "line 1: the header has a single column with the delimiter \",\"; it looks like \";\" (--delimiter \";\")"
    );
}
