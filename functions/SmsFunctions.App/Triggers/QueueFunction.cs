namespace SmsFunctions.App.Triggers;

/// <summary>A queue-triggered function: its name (the Functions host calls <c>POST /{FunctionName}</c>), the queue it
/// drains, the handler type resolved per invocation, and the name of its trigger binding in function.json.</summary>
public sealed record QueueFunction(string FunctionName, string QueueName, Type HandlerType, string BindingName = QueueFunction.DefaultBindingName)
{
    public const string DefaultBindingName = "message";
}
