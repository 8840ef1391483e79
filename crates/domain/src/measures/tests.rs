use super::*;

fn builtin(code: &str) -> Definition {
    builtin_definitions()
        .into_iter()
        .find(|d| d.code == code)
        .unwrap()
}

fn answers(pairs: &[(&str, i32)]) -> Answers {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// SWEMWBS as an organisation supplies it, with placeholder wording.
fn swemwbs_file(values: &str) -> String {
    let mut text = format!(
        "code = \"swemwbs\"\nname = \"SWEMWBS\"\nnotice = \"Placeholder wording for tests. SWEMWBS (c) University of Warwick, used under licence.\"\nscoring = \"swemwbs\"\n[answers]\noften = {values}\n"
    );
    for i in 1..=7 {
        text.push_str(&format!(
            "[[items]]\ncode = \"item{i}\"\ntext = \"Placeholder statement {i}\"\nanswers = \"often\"\n"
        ));
    }
    text
}

const FIVE: &str = "[{ value = 1, label = \"None of the time\" }, { value = 2, label = \"Rarely\" }, { value = 3, label = \"Some of the time\" }, { value = 4, label = \"Often\" }, { value = 5, label = \"All of the time\" }]";

#[test]
fn swemwbs_converts_every_raw_total_by_the_table() {
    let d = Definition::parse("swemwbs.toml", &swemwbs_file(FIVE)).unwrap();
    // Every raw total from 7 to 35, reached by raising one item at a time.
    for raw in 7..=35 {
        let mut left = raw - 7;
        let given: Vec<(String, i32)> = (1..=7)
            .map(|i| {
                let extra = left.min(4);
                left -= extra;
                (format!("item{i}"), 1 + extra)
            })
            .collect();
        let a: Answers = given.into_iter().collect();
        let s = &d.score(&a).scores[0];
        assert_eq!(s.raw, Some(raw));
        let expected = SWEMWBS_METRIC.iter().find(|(r, _)| *r == raw).unwrap().1;
        assert_eq!(s.value, Some(expected), "raw {raw}");
    }
    let all = |v: i32| {
        (1..=7)
            .map(|i| (format!("item{i}"), v))
            .collect::<Answers>()
    };
    assert_eq!(d.score(&all(1)).scores[0].value, Some(7.00));
    assert_eq!(d.score(&all(5)).scores[0].value, Some(35.00));
    let mut twenty = all(3);
    twenty.insert("item7".into(), 2);
    assert_eq!(d.score(&twenty).scores[0].value, Some(18.59));
    // Six of seven answered: incomplete, and no score.
    let mut six = all(3);
    six.remove("item7");
    let scored = d.score(&six);
    assert!(!scored.complete);
    assert_eq!(scored.scores[0].value, None);
    assert_eq!(scored.scores[0].raw, None);
}

#[test]
fn swemwbs_wording_must_fit_its_scoring() {
    let wrong = swemwbs_file("{ from = 0, to = 4, from_label = \"never\", to_label = \"always\" }");
    let e = Definition::parse("ours.toml", &wrong).unwrap_err();
    assert_eq!(e.file, "ours.toml");
    assert!(e.problem.contains("item1"), "{e}");
    let mut eight = swemwbs_file(FIVE);
    eight.push_str("[[items]]\ncode = \"item8\"\ntext = \"One too many\"\nanswers = \"often\"\n");
    assert!(
        Definition::parse("x.toml", &eight)
            .unwrap_err()
            .problem
            .contains("7 items")
    );
}

#[test]
fn ons4_bands_every_edge_with_anxiety_the_other_way_round() {
    let d = builtin("ons4");
    // The other three answered mid-scale, so the response is complete.
    let band = |code: &str, v: i32| {
        let mut given = answers(&[
            ("satisfied", 5),
            ("worthwhile", 5),
            ("happy", 5),
            ("anxious", 5),
        ]);
        given.insert(code.to_owned(), v);
        d.score(&given)
            .scores
            .into_iter()
            .find(|s| s.code == code)
            .unwrap()
            .band
            .unwrap()
    };
    for code in ["satisfied", "worthwhile", "happy"] {
        let expected = [
            (0, "Low"),
            (4, "Low"),
            (5, "Medium"),
            (6, "Medium"),
            (7, "High"),
            (8, "High"),
            (9, "Very high"),
            (10, "Very high"),
        ];
        for (v, b) in expected {
            assert_eq!(band(code, v), b, "{code} {v}");
        }
    }
    for (v, b) in [
        (0, "Very low"),
        (1, "Very low"),
        (2, "Low"),
        (3, "Low"),
        (4, "Medium"),
        (5, "Medium"),
        (6, "High"),
        (10, "High"),
    ] {
        assert_eq!(band("anxious", v), b, "anxious {v}");
    }
    let a = d.score(&answers(&[("anxious", 3)]));
    assert!(!a.complete);
    assert!(
        a.scores
            .iter()
            .all(|s| s.value.is_none() && s.band.is_none()),
        "an incomplete response has no score, not even for the questions answered"
    );
    assert!(
        !d.scores
            .iter()
            .find(|s| s.code == "anxious")
            .unwrap()
            .higher_is_better
    );
    assert!(d.check_answers(&answers(&[("happy", 11)])).is_err());
    assert!(d.check_answers(&answers(&[("cheerful", 5)])).is_err());
    assert!(d.check_answers(&answers(&[("happy", 10)])).is_ok());
}

#[test]
fn ucla3_totals_from_3_to_9_and_needs_every_answer() {
    let d = builtin("ucla3");
    let s = |a: i32, b: i32, c: i32| {
        d.score(&answers(&[
            ("companionship", a),
            ("left_out", b),
            ("isolated", c),
        ]))
        .scores[0]
            .clone()
    };
    assert_eq!(s(1, 1, 1).value, Some(3.0));
    assert_eq!(s(1, 1, 1).band.as_deref(), Some("Not often lonely"));
    assert_eq!(s(2, 2, 1).band.as_deref(), Some("Not often lonely"));
    assert_eq!(s(2, 2, 2).band.as_deref(), Some("Often lonely"));
    assert_eq!(s(3, 3, 3).value, Some(9.0));
    let two = d.score(&answers(&[("companionship", 3), ("left_out", 3)]));
    assert_eq!(two.scores[0].value, None);
    assert_eq!(d.options(d.item("left_out").unwrap()).len(), 3);
}

const CUSTOM: &str = r#"
code = "mine"
name = "A measure of our own"
notice = "Ours, CC BY 4.0"
[answers]
agree = [{ value = 1, label = "Disagree" }, { value = 2, label = "Not sure" }, { value = 3, label = "Agree" }]
[[items]]
code = "a"
text = "I feel part of my community"
answers = "agree"
[[items]]
code = "b"
text = "I often feel alone"
answers = "agree"
[[items]]
code = "c"
text = "I know where to get help"
answers = "agree"
[[scores]]
code = "belonging"
label = "Belonging"
items = ["a", "b", "c"]
reversed = ["b"]
rule = "sum"
min_items = 2
higher_is_better = true
bands = [{ label = "Low", from = 3, to = 5 }, { label = "High", from = 6, to = 9 }]
"#;

#[test]
fn reversed_items_turn_round_and_missing_ones_are_prorated() {
    let d = Definition::parse("mine.toml", CUSTOM).unwrap();
    let all = d.score(&answers(&[("a", 3), ("b", 1), ("c", 3)]));
    assert!(all.complete);
    assert_eq!(all.scores[0].raw, Some(9), "b answered 1 counts 3");
    let two = d.score(&answers(&[("a", 3), ("b", 2)]));
    assert!(two.complete, "two of three is this measure's minimum");
    assert_eq!(
        two.scores[0].raw,
        Some(8),
        "mean 2.5 of two, times three, rounded"
    );
    let one = d.score(&answers(&[("a", 3)]));
    assert!(!one.complete);
    assert_eq!(one.scores[0].raw, None);
}

#[test]
fn a_definition_with_an_error_is_refused_naming_where() {
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "answers = \"agree\"\n[[scores]]",
            "answers = \"agre\"\n[[scores]]",
            "item `c`",
            "no answers are named `agre`",
        ),
        ("code = \"b\"", "code = \"a\"", "item `a`", "used twice"),
        (
            "text = \"I often feel alone\"",
            "text = \"  \"",
            "item `b`",
            "no wording",
        ),
        (
            "reversed = [\"b\"]",
            "reversed = [\"d\"]",
            "score `belonging`",
            "no item `d`",
        ),
        (
            "min_items = 2",
            "min_items = 4",
            "score `belonging`",
            "min_items",
        ),
        (
            "to = 5 }, { label = \"High\", from = 6",
            "to = 4 }, { label = \"High\", from = 6",
            "score `belonging`",
            "no band covers a score of 5",
        ),
        (
            "to = 5 }, { label = \"High\", from = 6",
            "to = 6 }, { label = \"High\", from = 6",
            "score `belonging`",
            "both cover a score of 6",
        ),
        (
            "notice = \"Ours, CC BY 4.0\"",
            "notice = \"\"",
            "the definition",
            "licence notice",
        ),
    ];
    for (from, to, place, problem) in cases {
        assert!(CUSTOM.contains(from), "{from}");
        let broken = CUSTOM.replacen(from, to, 1);
        let e = Definition::parse("mine.toml", &broken).unwrap_err();
        assert_eq!(e.file, "mine.toml");
        assert_eq!(e.place, place, "{e}");
        assert!(e.problem.contains(problem), "{e}");
    }
    let syntax = Definition::parse(
        "mine.toml",
        &CUSTOM.replacen("rule = \"sum\"", "rule = \"average\"", 1),
    )
    .unwrap_err();
    assert!(syntax.place.starts_with("line "), "{syntax}");
    assert!(
        syntax.to_string().starts_with("mine.toml: line "),
        "{syntax}"
    );
}

fn context(referral: crate::ReferralId, occasion: Occasion, day: i64) -> ResponseContext {
    ResponseContext {
        person_id: crate::PersonId::new(),
        referral_id: referral,
        pcn_id: crate::OrgId::new(),
        occasion,
        completed_by: CompletedBy::LinkWorker,
        completed_at: chrono::DateTime::from_timestamp(1_780_000_000 + day * 86_400, 0).unwrap(),
        recorded_by: None,
        recorded_by_name: "Sam Lee".into(),
    }
}

#[test]
fn a_form_gives_answers_skips_blanks_and_names_the_item_it_cannot_read() {
    let d = builtin("ucla3");
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let read = answers_from_form(&d, &form(&[("q1", "3"), ("q2", ""), ("q3", "1")])).unwrap();
    assert_eq!(
        read,
        answers(&[(&d.items[0].code, 3), (&d.items[2].code, 1)])
    );
    let wrong = answers_from_form(&d, &form(&[("q1", "3"), ("q2", "7")])).unwrap_err();
    assert!(wrong.for_field("q2").unwrap().contains(&d.items[1].text));
    assert_eq!(wrong.errors.len(), 1);
    let refused = MeasureResponse::record(
        &d,
        answers(&[("nonsense", 1)]),
        context(crate::ReferralId::new(), Occasion::Baseline, 0),
    )
    .unwrap_err();
    assert_eq!(refused.errors[0].field, "answers");
}

#[test]
fn baselines_pair_with_the_latest_later_follow_up_in_the_same_episode() {
    let d = builtin("ucla3");
    let all = |v: i32| {
        d.items
            .iter()
            .map(|i| (i.code.clone(), v))
            .collect::<Answers>()
    };
    let (ana, ben, cy) = (
        crate::ReferralId::new(),
        crate::ReferralId::new(),
        crate::ReferralId::new(),
    );
    let r = |answers: Answers, referral, occasion, day| {
        MeasureResponse::record(&d, answers, context(referral, occasion, day)).unwrap()
    };
    let mut partial = all(1);
    partial.remove(&d.items[0].code);
    let responses = vec![
        r(all(3), ana, Occasion::Baseline, 0),
        r(all(2), ana, Occasion::Review, 30),
        r(all(1), ana, Occasion::Discharge, 90),
        // Incomplete: no score, so not Ana's follow-up.
        r(partial, ana, Occasion::OnDemand, 100),
        // A later baseline does not replace the first.
        r(all(1), ana, Occasion::Baseline, 120),
        r(all(2), ben, Occasion::Baseline, 5),
        // Cy's only questionnaire is a review: nothing to pair with.
        r(all(2), cy, Occasion::Review, 5),
    ];
    let paired = pair_responses(&responses, "loneliness");
    assert_eq!(paired.without_follow_up, 1, "Ben");
    assert_eq!(paired.pairs.len(), 1);
    assert_eq!(paired.pairs[0].0, ana);
    assert_eq!(
        paired.pairs[0].1,
        Pair {
            baseline: 9.0,
            follow_up: 3.0
        },
        "Ana's first baseline with her latest scored follow-up"
    );
}
