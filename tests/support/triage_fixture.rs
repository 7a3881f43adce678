//! The triage tests' learners: one per case of the "never connected" queue.
#![allow(dead_code)]

use std::collections::HashMap;

use tutorat::store::Store;

use super::fixture::Fx;

const NOW: i64 = 1_763_804_800;
const DAY: i64 = 86_400;

/// Learners of course "TRI" (opened 10 days ago) and "FINI" (ended yesterday), one per case.
pub struct T {
    pub course: i64,
    pub by_user: HashMap<&'static str, i64>,
}

async fn exec(fx: &mut Fx, sql: &'static str, a: Option<i64>, id: i64) {
    tutorat::with_txc!(&mut fx.tx, |c| sqlx::query(sql).bind(a).bind(id).execute(c).await.map(|_| ()))
        .unwrap();
}

pub async fn triage_fixture(store: &Store) -> T {
    triage_fixture_at(store, NOW).await
}

/// The same learners, with every date relative to `now`.
pub async fn triage_fixture_at(store: &Store, now: i64) -> T {
    let mut fx = Fx::new(store).await;
    let tutor = fx.person("tutor", "Marie", "Lefèvre").await;
    let other = fx.person("other", "Karim", "Benali").await;
    let course = fx.course("TRI", "Triage", None).await;
    let ended = fx.course("FINI", "Terminé", None).await;
    let foreign = fx.course("AILLEURS", "Pas à moi", None).await;
    fx.tutor(course, tutor).await;
    fx.tutor(ended, tutor).await;
    fx.tutor(foreign, other).await;
    exec(&mut fx, "UPDATE courses SET start_at = $1 WHERE id = $2", Some(now - 10 * DAY), course).await;
    exec(&mut fx, "UPDATE courses SET end_at = $1 WHERE id = $2", Some(now - DAY), ended).await;
    let mut by_user = HashMap::new();
    let cases: [(&'static str, i64, bool, Option<i64>); 14] = [
        // (username, course, logged into the platform, course last access)
        ("never_platform", course, false, None),
        ("never_course", course, true, None),
        ("accessed", course, true, Some(now - DAY)),
        ("not_open_yet", course, false, None),
        ("enrolment_ended", course, false, None),
        ("inactive", course, false, None),
        ("suspended", course, false, None),
        ("course_ended", ended, false, None),
        ("foreign", foreign, false, None),
        ("reminded_4d", course, false, None),
        ("reminded_twice_1d", course, true, None),
        ("reminded_twice_5d", course, true, None),
        ("queued", course, false, None),
        ("contacted", course, true, None),
    ];
    for (user, c, platform, access) in cases {
        let p = fx.person(user, "Prénom", user).await;
        if platform {
            exec(&mut fx, "UPDATE people SET last_access = $1 WHERE id = $2", Some(now - 20 * DAY), p).await;
        }
        let e = fx.enrol(c, p, 0, 0, 0, access).await;
        // Enrolments start with the course (NULL start date).
        exec(&mut fx, "UPDATE enrolments SET start_at = $1 WHERE id = $2", None, e).await;
        by_user.insert(user, e);
    }
    let e = |u: &str| by_user[u];
    exec(&mut fx, "UPDATE enrolments SET start_at = $1 WHERE id = $2", Some(now + DAY), e("not_open_yet"))
        .await;
    exec(&mut fx, "UPDATE enrolments SET end_at = $1 WHERE id = $2", Some(now - 1), e("enrolment_ended"))
        .await;
    tutorat::with_txc!(&mut fx.tx, |c| sqlx::query("UPDATE enrolments SET active = FALSE WHERE id = $1")
        .bind(e("inactive"))
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
    tutorat::with_txc!(&mut fx.tx, |c| sqlx::query(
        "UPDATE people SET suspended = TRUE WHERE id = (SELECT person_id FROM enrolments WHERE id = $1)"
    )
    .bind(e("suspended"))
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    fx.reminder(e("reminded_4d"), tutor, "jamais_connecte", "sent", now - 4 * DAY).await;
    fx.reminder(e("reminded_4d"), tutor, "jamais_connecte", "failed", now - DAY).await;
    fx.reminder(e("reminded_twice_1d"), tutor, "jamais_connecte", "sent", now - 6 * DAY).await;
    fx.reminder(e("reminded_twice_1d"), tutor, "jamais_connecte", "sent", now - DAY).await;
    fx.reminder(e("reminded_twice_5d"), tutor, "jamais_connecte", "sent", now - 9 * DAY).await;
    fx.reminder(e("reminded_twice_5d"), tutor, "jamais_connecte", "sent", now - 5 * DAY).await;
    fx.reminder(e("queued"), tutor, "jamais_connecte", "queued", now - 60).await;
    fx.done().await;
    let scope = store.scope_for("tutor").await.unwrap();
    store
        .add_contact_notes(&scope, &[e("contacted")], "  Appel : mauvaise adresse corrigée  ", now - DAY)
        .await
        .unwrap();
    T { course, by_user }
}
