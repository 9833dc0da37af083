//! "Predict, then check": the questions at the end of a chapter (see [`crate::questions`]).
//! The reader commits to a prediction first; only then is the experiment run on a copy of
//! their machine and the engine's answer shown beside it, with why.

use super::Shared;
use crate::questions::{self, check, Ctx, Kind, Prediction, Question};
use highmem_engine::machine::{Machine, MachineConfig};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Questions`].
#[derive(Properties, PartialEq)]
pub struct QuestionsProps {
    /// The chapter, by route name (`pkmap`).
    pub chapter: AttrValue,
    /// What the lab's machine is booted from, or why there is none.
    pub config: Result<MachineConfig, String>,
    /// The live machine, or why it does not boot.
    #[prop_or_else(|| Err("no machine".to_string()))]
    pub machine: Result<Shared<Machine>, String>,
}

/// The chapter's questions, or nothing for a chapter without any.
#[component]
pub fn Questions(props: &QuestionsProps) -> Html {
    let list: Vec<&'static Question> = questions::of_chapter(&props.chapter).collect();
    if list.is_empty() {
        return Html::default();
    }
    html! {
        <section class="questions" aria-labelledby="questions-title">
            <h2 id="questions-title">{ "Predict, then check" }</h2>
            <p class="questions-lede">
                { "Each question is an experiment on the machine in the live views, as it is \
                   now. Commit to a prediction; the engine then runs the experiment on a copy of \
                   the machine and shows what the kernel would do. Change the machine and the \
                   answers may change too." }
            </p>
            { for list.into_iter().map(|q| html! {
                <QuestionCard key={q.id} question={QuestionRef(q)} config={props.config.clone()}
                              machine={props.machine.clone()} />
            }) }
        </section>
    }
}

/// A question, compared by id.
#[derive(Clone, Copy, Debug)]
pub struct QuestionRef(pub &'static Question);

impl PartialEq for QuestionRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

/// Props of [`QuestionCard`].
#[derive(Properties, PartialEq)]
pub struct QuestionCardProps {
    pub question: QuestionRef,
    pub config: Result<MachineConfig, String>,
    pub machine: Result<Shared<Machine>, String>,
}

/// One question: the prediction, then the engine's answer.
#[component]
pub fn QuestionCard(props: &QuestionCardProps) -> Html {
    let q = props.question.0;
    let text = use_state(String::new);
    let choice = use_state(|| None::<usize>);
    // Revealed: with the reader's prediction, or `None` when they asked to be shown.
    let revealed = use_state(|| None::<Option<Prediction>>);
    let problem = use_state(|| None::<String>);

    let Ok(config) = &props.config else {
        return html! {
            <div class="question" id={q.id}>
                <p class="question-na">{ "Choose a machine that boots to get this question." }</p>
            </div>
        };
    };
    let ctx = Ctx {
        config,
        machine: props.machine.as_ref().ok().map(|m| &*m.0),
    };
    let ask = match (q.ask)(&ctx) {
        Ok(a) => a,
        Err(why) => {
            return html! {
                <div class="question question-unavailable" id={q.id}>
                    <p class="question-na">{ why }</p>
                </div>
            }
        }
    };
    let text_id = format!("{}-text", q.id);
    let result_id = format!("{}-result", q.id);

    let prediction = || -> Result<Prediction, String> {
        match q.kind {
            Kind::Number => {
                questions::read_number(&text)?;
                Ok(Prediction::Text((*text).clone()))
            }
            Kind::Choice(_) => choice
                .map(Prediction::Choice)
                .ok_or_else(|| "Choose one first.".to_string()),
        }
    };
    let on_check = {
        let revealed = revealed.clone();
        let problem = problem.clone();
        let p = prediction();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match &p {
                Ok(p) => {
                    problem.set(None);
                    revealed.set(Some(Some(p.clone())));
                }
                Err(why) => problem.set(Some(why.clone())),
            }
        })
    };
    let on_show = {
        let revealed = revealed.clone();
        let problem = problem.clone();
        Callback::from(move |_: MouseEvent| {
            problem.set(None);
            revealed.set(Some(None));
        })
    };
    let on_again = {
        let revealed = revealed.clone();
        Callback::from(move |_: MouseEvent| revealed.set(None))
    };
    let on_text = {
        let text = text.clone();
        let revealed = revealed.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            text.set(input.value());
            revealed.set(None);
        })
    };

    let input = match q.kind {
        Kind::Number => html! {
            <input type="text" class="question-input" name={q.id} value={(*text).clone()}
                   maxlength="40" autocomplete="off" spellcheck="false"
                   aria-labelledby={text_id.clone()} aria-describedby={result_id.clone()}
                   oninput={on_text} />
        },
        Kind::Choice(options) => html! {
            <fieldset class="question-choices">
                <legend class="visually-hidden">{ "Your prediction" }</legend>
                { for options.iter().enumerate().map(|(i, label)| {
                    let checked = *choice == Some(i);
                    let choice = choice.clone();
                    let revealed = revealed.clone();
                    let onchange = Callback::from(move |_: Event| {
                        choice.set(Some(i));
                        revealed.set(None);
                    });
                    html! {
                        <label class="question-choice">
                            <input type="radio" name={q.id} value={i.to_string()}
                                   {checked} {onchange} />
                            { *label }
                        </label>
                    }
                }) }
            </fieldset>
        },
    };

    let result = (*revealed).as_ref().map(|given| {
        match (q.answer)(&ctx) {
            Ok(answer) => {
                let verdict = given.as_ref().map(|p| check(p, &answer));
                let (class, mark, word) = match verdict {
                    Some(Ok(true)) => ("right", "✓", "Right."),
                    Some(Ok(false)) => ("wrong", "✗", "Not this time."),
                    Some(Err(_)) | None => ("shown", "→", "The answer."),
                };
                html! {
                    <div class={classes!("question-answer", class)}>
                        <p class="question-verdict">
                            <span class="question-mark" aria-hidden="true">{ mark }</span>
                            <strong>{ word }</strong>
                            { " The engine says: " }
                            <code class="question-value" data-answer={q.id}>{ answer.text(q.kind) }</code>
                            if let Some(Prediction::Text(t)) = given {
                                { format!(" (you said {})", t.trim()) }
                            }
                        </p>
                        <p class="question-why">{ q.why }</p>
                        <button type="button" class="link-button" onclick={on_again}>
                            { "Predict again" }
                        </button>
                    </div>
                }
            }
            Err(why) => html! {
                <div class="question-answer failed">
                    <p>{ format!("The experiment did not run: {why}") }</p>
                </div>
            },
        }
    });

    html! {
        <form class="question" id={q.id} onsubmit={on_check} novalidate=true>
            <p class="question-text" id={text_id}>{ ask }</p>
            <div class="question-input-row">
                { input }
                <button type="submit" class="question-check">{ "Check my prediction" }</button>
                <button type="button" class="link-button question-show" onclick={on_show}>
                    { "Just show me" }
                </button>
            </div>
            <div id={result_id} class="question-result" aria-live="polite">
                if let Some(p) = &*problem {
                    <p class="error question-problem">{ p.clone() }</p>
                }
                { result.unwrap_or_default() }
            </div>
        </form>
    }
}
