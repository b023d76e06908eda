namespace SmsFunctions.App.Api.Common;

/// <summary>One problem with a request: a stable code, the field (JSON path such as <c>callback.url</c>), and a sentence.</summary>
public sealed record FieldError(string Code, string Field, string Detail);
