namespace SmsFunctions.App.Api.Messages;

/// <summary>The message's <c>options</c> as stored and answered.</summary>
public sealed record MessageOptionsDto(bool DryRun, bool FailOnMultipleMessages, bool Transaction, bool SmartEncoding);
