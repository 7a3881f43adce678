//! Tab 1 — Formations: tree, course list, course detail. Store figures on both databases,
//! screens, flows, and bad data.

mod support;

use crossterm::event::KeyCode;
use support::fixture::Fx;
use support::ui::{self, NOW};
use tutorat::locale::Lang;
use tutorat::store::Store;
use tutorat::store::demo;
use tutorat::tui::app::{App, Tab};
use tutorat::tui::command::Cmd;
use tutorat::tui::views::course::Section;
use tutorat::tui::views::formations::Panel;

/// A course whose figures are easy to compute by hand:
/// 3 lessons (quiz, mission, observation); 4 learners:
/// A finished everything (3 done, 1 h), B did 1 of 3 and handed in the mission (20 min),
/// C never came, D opened the course only. Reviews: 5, 3, and two invalid ones (0 and 6).
struct Small {
    course: i64,
    empty_course: i64,
    quiz: i64,
    mission: i64,
    observation: i64,
}

async fn small(store: &Store) -> Small {
    let mut fx = Fx::new(store).await;
    let tutor = fx.person("tutor", "Tu", "Tor").await;
    let root = fx.category("Racine", None).await;
    let sub = fx.category("Sous-catégorie", Some(root)).await;
    let course = fx.course("SMALL", "Petit cours", Some(sub)).await;
    let empty_course = fx.course("EMPTY", "Cours vide", Some(root)).await;
    fx.tutor(course, tutor).await;
    fx.tutor(empty_course, tutor).await;
    fx.describe(course, "Une description.", Some("Groupe A")).await;
    let quiz = fx.lesson(course, "quiz", "Quiz final").await;
    let mission = fx.lesson(course, "mission", "Mission terrain").await;
    let observation = fx.lesson(course, "observation", "Observation en poste").await;
    let a = fx.person("a", "Alice", "Aubert").await;
    let b = fx.person("b", "Bruno", "Blanc").await;
    let c = fx.person("c", "Chloé", "Colin").await;
    let d = fx.person("d", "Denis", "Dumas").await;
    let ea = fx.enrol(course, a, 3, 3, 3600, Some(NOW - 86_400)).await;
    let eb = fx.enrol(course, b, 1, 2, 1200, Some(NOW - 3600)).await;
    fx.enrol(course, c, 0, 0, 0, None).await;
    fx.enrol(course, d, 0, 0, 0, Some(NOW - 600)).await;
    fx.progress(ea, quiz, "passed", Some(90.0), 600).await;
    fx.progress(ea, mission, "passed", Some(80.0), 2400).await;
    fx.progress(ea, observation, "passed", Some(70.0), 600).await;
    fx.progress(eb, quiz, "passed", Some(85.0), 600).await;
    fx.progress(eb, mission, "completed", None, 600).await; // handed in, not graded
    fx.comment(quiz, a, "Question 4 ?").await;
    fx.comment(quiz, b, "Merci").await;
    fx.comment(observation, a, "Quand ?").await;
    fx.review(course, Some(a), 5, "Très bien", NOW - 86_400).await;
    fx.review(course, Some(b), 3, "Moyen", NOW - 2 * 86_400).await;
    fx.review(course, Some(c), 0, "Zéro étoile ?", NOW - 3 * 86_400).await;
    fx.review(course, None, 6, "Six étoiles !", NOW - 4 * 86_400).await;
    fx.done().await;
    Small { course, empty_course, quiz, mission, observation }
}

both!(detail_figures_match_hand_computed_values, |db| {
    let s = small(&db.store).await;
    let scope = db.store.scope_for("tutor").await.unwrap();
    let d = db.store.course_detail(&scope, s.course).await.unwrap();
    assert_eq!(d.info.shortname, "SMALL");
    assert_eq!(d.category_path, ["Racine", "Sous-catégorie"]);
    assert_eq!(d.info.audience.as_deref(), Some("Groupe A"));

    let sm = &d.summary;
    assert_eq!((sm.learners, sm.lessons_total, sm.completed), (4, 3, 1));
    assert_eq!(sm.not_started, 2, "C, and D who opened the course but started no lesson");
    assert_eq!(sm.never_accessed, 1);
    assert_eq!(sm.completion_rate(), Some(25.0));
    assert_eq!(sm.avg_time(), Some(1200)); // (3600 + 1200) / 4
    assert!((sm.avg_progress().unwrap() - 100.0 / 3.0).abs() < 1e-9); // 4 of 12 lesson slots

    let by_id = |id: i64| d.lessons.iter().find(|l| l.id == id).unwrap();
    assert_eq!((by_id(s.quiz).comments, by_id(s.quiz).pending), (2, 0));
    assert_eq!((by_id(s.mission).comments, by_id(s.mission).pending), (0, 1), "B's mission awaits a grade");
    assert_eq!(
        (by_id(s.observation).comments, by_id(s.observation).pending),
        (1, 3),
        "4 learners, A observed"
    );
    assert_eq!(d.lessons.iter().map(|l| l.position).collect::<Vec<_>>().len(), 3);

    assert_eq!(d.reviews.len(), 4);
    assert_eq!(d.reviews[0].stars, 5, "newest first");
    assert_eq!(d.reviews[3].firstname, None, "review without author");
    let rating = tutorat::model::catalog::average_rating(d.reviews.iter().map(|r| r.stars));
    assert_eq!(rating, Some((4.0, 2)), "invalid ratings left out");

    // A course without lessons, learners or reviews.
    let e = db.store.course_detail(&scope, s.empty_course).await.unwrap();
    assert!(e.lessons.is_empty() && e.reviews.is_empty());
    assert_eq!(e.summary.learners, 0);
    assert_eq!(e.summary.completion_rate(), None);
    assert_eq!(e.summary.avg_time(), None);

    // Not a tutor of it: refused.
    let other = db.store.scope_for("a").await.unwrap();
    assert!(db.store.course_detail(&other, s.course).await.is_err());
});

async fn demo_app(lang: Lang) -> (support::TestDb, App) {
    let db = support::sqlite().await;
    demo::load(&db.store, NOW).await.unwrap();
    let app = ui::app_for(&db.store, "mlefevre", lang, "sqlite:demo.sqlite").await;
    (db, app)
}

fn shown(app: &App) -> Vec<String> {
    app.formations.list.visible().map(|r| r.summary.shortname.clone()).collect()
}

#[tokio::test]
async fn filter_sort_open_back_keep_state() {
    let (db, mut app) = demo_app(Lang::Fr).await;
    // Fuzzy, accent- and case-insensitive.
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "avant vente");
    assert_eq!(shown(&app), ["C01"]);
    insta::assert_snapshot!("list_filtered_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("list_filtered_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::press(&mut app, KeyCode::Backspace);
    ui::press(&mut app, KeyCode::Backspace);
    ui::type_text(&mut app, "TE");
    assert_eq!(shown(&app), ["C01"], "upper case matches too");
    ui::cmd(&mut app, Cmd::Back);
    assert_eq!(shown(&app).len(), 8, "Esc clears the filter");
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "zzz");
    assert!(shown(&app).is_empty());
    insta::assert_snapshot!("list_no_match_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::Back);

    // Sort: s cycles columns, S reverses; the cursor stays on the same course.
    ui::cmd_n(&mut app, Cmd::Down, 2);
    let here = app.formations.current().unwrap().summary.shortname.clone();
    ui::cmd_n(&mut app, Cmd::SortNext, 2); // audience, then learners
    let learners: Vec<i64> = app.formations.list.visible().map(|r| r.summary.learners).collect();
    assert!(learners.windows(2).all(|w| w[0] <= w[1]), "{learners:?}");
    assert_eq!(app.formations.current().unwrap().summary.shortname, here);
    ui::cmd(&mut app, Cmd::SortReverse);
    let learners: Vec<i64> = app.formations.list.visible().map(|r| r.summary.learners).collect();
    assert!(learners.windows(2).all(|w| w[0] >= w[1]), "{learners:?}");
    assert_eq!(shown(&app)[0], "SPOC-MOODLE", "80 learners first");

    // Filter then open the detail and come back: filter, sort and selection kept.
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "cours");
    ui::cmd(&mut app, Cmd::Accept);
    assert!(!app.formations.list.filter.editing);
    let before = shown(&app);
    ui::cmd(&mut app, Cmd::Down);
    let picked = app.formations.current().unwrap().summary.shortname.clone();
    ui::cmd(&mut app, Cmd::Open);
    assert!(app.formations.detail.is_some());
    ui::settle(&mut app, &db.store).await;
    ui::cmd(&mut app, Cmd::Back);
    assert!(app.formations.detail.is_none());
    assert_eq!(shown(&app), before);
    assert_eq!(app.formations.current().unwrap().summary.shortname, picked);
    assert_eq!(app.formations.list.filter.value(), "cours");

    // ... and across tab switches.
    ui::cmd(&mut app, Cmd::GoTab(1));
    assert_eq!(app.tab, Tab::Tutoring);
    ui::cmd(&mut app, Cmd::GoTab(0));
    assert_eq!(shown(&app), before);
    assert_eq!(app.formations.current().unwrap().summary.shortname, picked);
}

#[tokio::test]
async fn tree_selects_subtrees_and_panes_switch() {
    let (_db, mut app) = demo_app(Lang::Fr).await;
    assert_eq!(app.formations.focus, Panel::List);
    ui::press(&mut app, KeyCode::Tab);
    assert_eq!(app.formations.focus, Panel::Tree);
    ui::keys(&mut app, "j"); // Commercial
    assert_eq!(shown(&app).len(), 5);
    ui::keys(&mut app, "l"); // expand Commercial
    ui::keys(&mut app, "j"); // Vente et Négociation
    ui::keys(&mut app, "l"); // expand it
    ui::keys(&mut app, "j"); // Parcours Conseiller commercial
    let mut s = shown(&app);
    s.sort();
    assert_eq!(s, ["C01", "C01-SAT", "C02", "C03"]);
    insta::assert_snapshot!("tree_expanded_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::keys(&mut app, "h"); // back to its parent... (key_left on a leaf selects the parent)
    ui::keys(&mut app, "l"); // open or go to list
    ui::keys(&mut app, "l");
    assert_eq!(app.formations.focus, Panel::List);
    ui::keys(&mut app, "h");
    assert_eq!(app.formations.focus, Panel::Tree);
    // Enter on a node toggles it.
    ui::keys(&mut app, "g");
    ui::press(&mut app, KeyCode::Enter);
    let screen = ui::screen(&ui::draw(&mut app, 100, 30));
    assert!(screen.contains("▸ Toutes mes formations"), "{screen}");
}

#[tokio::test]
async fn admin_sees_the_empty_category() {
    let db = support::sqlite().await;
    demo::load(&db.store, NOW).await.unwrap();
    let mut app = ui::app_for(&db.store, "admin", Lang::Fr, "sqlite:demo.sqlite").await;
    ui::press(&mut app, KeyCode::Tab);
    ui::keys(&mut app, "G"); // last node: Archives 2023 (no course)
    assert!(shown(&app).is_empty());
    insta::assert_snapshot!("empty_category_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("empty_category_160x48", ui::draw(&mut app, 160, 48).backend());
}

#[tokio::test]
async fn detail_sections_and_jump_to_tutoring() {
    let (db, mut app) = demo_app(Lang::Fr).await;
    ui::keys(&mut app, "j"); // Cours 1 : L'avant-vente
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    let d = app.formations.detail.as_ref().unwrap();
    assert_eq!(d.course.shortname, "C01");
    assert_eq!(d.section, Section::Info);
    insta::assert_snapshot!("detail_info_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("detail_info_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::keys(&mut app, "l");
    assert_eq!(app.formations.detail.as_ref().unwrap().section, Section::Lessons);
    insta::assert_snapshot!("detail_lessons_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("detail_lessons_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::keys(&mut app, "a");
    assert_eq!(app.formations.detail.as_ref().unwrap().section, Section::Reviews);
    insta::assert_snapshot!("detail_reviews_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("detail_reviews_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::press(&mut app, KeyCode::Tab);
    assert_eq!(app.formations.detail.as_ref().unwrap().section, Section::Info, "Tab cycles");
    ui::press(&mut app, KeyCode::BackTab);
    assert_eq!(app.formations.detail.as_ref().unwrap().section, Section::Reviews);

    // Help shows the detail's keys.
    ui::keys(&mut app, "?");
    let screen = ui::screen(&ui::draw(&mut app, 100, 40));
    assert!(screen.contains("Aide — Détail d'une formation"), "{screen}");
    ui::press(&mut app, KeyCode::Esc);

    // t: this course's tutoring centre.
    ui::keys(&mut app, "t");
    assert_eq!(app.tab, Tab::Tutoring);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tutoring.course.as_ref().unwrap().shortname, "C01");
    assert_eq!(app.tutoring.list.rows().len(), 40);
    // Back in tab 1 the detail is still open where it was.
    ui::keys(&mut app, "1");
    assert_eq!(app.formations.detail.as_ref().unwrap().section, Section::Reviews);
}

#[tokio::test]
async fn t_in_the_list_goes_straight_to_tutoring() {
    let (db, mut app) = demo_app(Lang::En).await;
    ui::keys(&mut app, "jt");
    assert_eq!(app.tab, Tab::Tutoring);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tutoring.course.as_ref().unwrap().shortname, "C01");
}

#[tokio::test]
async fn course_without_lessons_or_reviews() {
    let db = support::sqlite().await;
    let s = small(&db.store).await;
    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:small.sqlite").await;
    let pos = app.formations.list.visible().position(|c| c.summary.id == s.empty_course).unwrap();
    for _ in 0..pos {
        ui::keys(&mut app, "j");
    }
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    insta::assert_snapshot!("detail_empty_info_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::keys(&mut app, "l");
    insta::assert_snapshot!("detail_empty_lessons_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::keys(&mut app, "a");
    insta::assert_snapshot!("detail_empty_reviews_160x48", ui::draw(&mut app, 160, 48).backend());
}

#[tokio::test]
async fn bad_data_is_shown_sensibly_and_reported() {
    let db = support::sqlite().await;
    let mut fx = Fx::new(&db.store).await;
    let tutor = fx.person("tutor", "Tu", "Tor").await;
    let a = fx.category("Boucle A", None).await;
    let b = fx.category("Boucle B", Some(a)).await;
    fx.reparent(a, Some(b)).await; // A -> B -> A
    let looped = fx.course("LOOP", "Cours dans une boucle", Some(b)).await;
    let orphan = fx.course("ORPHAN", "Cours orphelin", None).await;
    fx.tutor(looped, tutor).await;
    fx.tutor(orphan, tutor).await;
    let long = format!("{} FIN", "Une description très longue. ".repeat(70));
    assert!(long.chars().count() > 2000);
    fx.describe(looped, &long, None).await;
    let p = fx.person("p", "Paul", "Petit").await;
    fx.review(looped, Some(p), 0, "zéro", NOW - 10).await;
    fx.review(looped, Some(p), 6, "six", NOW - 20).await;
    fx.review(looped, Some(p), 4, "quatre", NOW - 30).await;
    fx.done().await;

    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:bad.sqlite").await;
    assert_eq!(shown(&app).len(), 2, "no course lost");
    let status = app.status.clone().expect("data problem reported");
    assert!(status.text.contains("2 catégories en boucle"), "{}", status.text);
    assert!(status.text.contains("1 formation sans catégorie"), "{}", status.text);
    insta::assert_snapshot!("bad_data_tree_80x24", ui::draw(&mut app, 80, 24).backend());

    // Open the looped course: long description scrolls, bad ratings are flagged.
    let pos = shown(&app).iter().position(|s| s == "LOOP").unwrap();
    for _ in 0..pos {
        ui::keys(&mut app, "j");
    }
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    ui::draw(&mut app, 80, 24);
    ui::keys(&mut app, "G");
    let screen = ui::screen(&ui::draw(&mut app, 80, 24));
    assert!(screen.contains("FIN"), "scrolled to the end of the description:\n{screen}");
    ui::keys(&mut app, "a");
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("2 avis ont une note hors de 1 à 5"), "{}", status.text);
    insta::assert_snapshot!("bad_reviews_80x24", ui::draw(&mut app, 80, 24).backend());
    let screen = ui::screen(&ui::draw(&mut app, 80, 24));
    assert!(screen.contains("★★★★☆ 4,0 (1 avis)"), "{screen}");
    for (w, h) in [(80, 24), (160, 48), (81, 25), (200, 60)] {
        ui::draw(&mut app, w, h);
    }
}
