//! `base:ExpressionPipe`: a rendered value as a pipe result.

use otai::interfaces::template::is_fail_marker;
use otai::prelude::*;

/// Params of `base:ExpressionPipe`.
#[otai::params]
#[derive(Debug, Clone)]
pub struct ExpressionPipeParams {
    /// Any value; usually a template such as
    /// `"{{ get_pipe_result('classify', 'label') if … else 'Unclassified' }}"`, whose native
    /// value (list, map, number…) is kept.
    pub expression: Value,
}

/// Returns the rendered `expression` as `data.value`; `fail()` makes it fail.
///
/// Returns `data.value` = the rendered `expression`; fails when the expression yields the
/// `fail()` marker, which is how a config stops a composite (`{{ fail() if … else … }}`).
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   orchestrator:
///     use: base:CompositePipe
///     params:
///       steps:
///         - id: label
///           use: base:ExpressionPipe
///           params: { expression: "Billing" }
///         - id: checked
///           use: base:ExpressionPipe
///           params:
///             expression: "{{ fail() if get_pipe_result('label') == '' else get_pipe_result('label') }}"
/// ```
#[otai::pipe]
#[derive(Debug, Default)]
pub struct ExpressionPipe;

#[async_trait]
impl Pipe for ExpressionPipe {
    type Params = ExpressionPipeParams;

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        if is_fail_marker(&params.expression) {
            return PipeResult::failure("the expression called fail()");
        }
        PipeResult::success_with("value", params.expression)
    }
}

#[cfg(test)]
mod tests {
    use otai::interfaces::template::fail_marker;
    use otai::value::json;

    use super::*;

    async fn run(expression: Value) -> PipeResult {
        ExpressionPipe
            .process(ExpressionPipeParams { expression }, &PipeContext::default())
            .await
    }

    #[tokio::test]
    async fn returns_the_value_natively() {
        let result = run(json!({"subject": "x", "tags": [1, 2]})).await;
        assert!(result.succeeded());
        assert_eq!(
            result.data["value"],
            json!({"subject": "x", "tags": [1, 2]})
        );
        assert_eq!(
            run(json!("Tickets found")).await.data["value"],
            json!("Tickets found")
        );
    }

    #[tokio::test]
    async fn fails_on_the_fail_marker() {
        let result = run(fail_marker()).await;
        assert!(result.has_failed());
        assert!(result.message.contains("fail()"));
        assert!(result.data.is_empty());
    }
}
