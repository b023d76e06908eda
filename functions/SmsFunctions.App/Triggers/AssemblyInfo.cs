using System.Runtime.CompilerServices;

// The trigger tests drive the listener and decoders directly.
[assembly: InternalsVisibleTo("SmsFunctions.App.Tests")]
