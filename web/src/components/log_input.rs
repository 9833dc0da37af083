//! "Use my machine": paste a kernel log, and its BIOS map drives the views.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Props of [`LogInput`].
#[derive(Properties, PartialEq)]
pub struct LogInputProps {
    /// When a pasted map is in use, a line describing it.
    pub summary: Option<String>,
    /// Why the last paste was refused, if it was (also announced in `#error`).
    pub error: Option<String>,
    /// "Use my machine" was pressed with this text.
    pub on_use: Callback<String>,
    /// "Back to a simulated PC" was pressed.
    pub on_clear: Callback<()>,
}

/// The BIOS map of the reference boot (Debian 12, 6.1 686-pae, QEMU, 2 GiB), as its kernel
/// printed it: a sample for readers without a 32-bit machine at hand.
const EXAMPLE: &str = "\
BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable
BIOS-e820: [mem 0x000000007ffe0000-0x000000007fffffff] reserved
BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
";

/// A text area for a kernel log and the buttons that use it.
#[component]
pub fn LogInput(props: &LogInputProps) -> Html {
    let area = use_node_ref();
    let text = {
        let area = area.clone();
        move || {
            area.cast::<HtmlTextAreaElement>()
                .map(|a| a.value())
                .unwrap_or_default()
        }
    };
    let on_use = {
        let cb = props.on_use.clone();
        let text = text.clone();
        Callback::from(move |_: MouseEvent| cb.emit(text()))
    };
    let on_example = {
        let area = area.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                a.set_value(EXAMPLE);
                let _ = a.focus();
            }
        })
    };
    let on_clear = {
        let cb = props.on_clear.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let invalid = props.error.is_some();

    html! {
        <div class="use-log">
            <p class="hint" id="log-hint">
                { "Paste the start of a kernel boot log (" }<code>{ "dmesg" }</code>
                { " or " }<code>{ "journalctl -k" }</code>
                { "). Only its " }<code>{ "BIOS-e820:" }</code>
                { " lines are read, in either the 2.6 or the modern format, by the same parser \
                   as hmsim. Nothing leaves this page." }
            </p>
            <label for="kernel-log" class="visually-hidden">{ "Kernel log" }</label>
            <textarea id="kernel-log" ref={area} rows="6" spellcheck="false" autocomplete="off"
                      placeholder="BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
                      aria-describedby={if invalid { "log-hint log-error" } else { "log-hint" }}
                      aria-invalid={invalid.then_some("true")} />
            <div class="button-row">
                <button type="button" id="use-log" class="button primary" onclick={on_use}>
                    { "Use my machine" }
                </button>
                <button type="button" id="log-example" class="button" onclick={on_example}>
                    { "Paste an example" }
                </button>
                if props.summary.is_some() {
                    <button type="button" id="clear-log" class="button" onclick={on_clear}>
                        { "Back to a simulated PC" }
                    </button>
                }
            </div>
            if let Some(summary) = &props.summary {
                <p class="log-status" id="log-status">
                    { format!("Using your BIOS map: {summary}.") }
                </p>
            }
            if let Some(error) = &props.error {
                <p class="log-error" id="log-error">{ error.clone() }</p>
            }
        </div>
    }
}
