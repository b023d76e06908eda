namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// Marks a <see cref="MessageView"/> member that only a recipient's view (a webhook) has: written there, null or not,
/// and never on the message's view (see <see cref="Common.ApiJson"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RecipientMemberAttribute : Attribute;
