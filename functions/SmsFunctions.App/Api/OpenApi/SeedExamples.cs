using System.Text.Json.Nodes;

namespace SmsFunctions.App.Api.OpenApi;

/// <summary>The request examples of both seed APIs, accepted unchanged (with a valid number).</summary>
public static class SeedExamples
{
    /// <summary>Seed 002 ("SMS Worldwide") <c>POST /messages</c>.</summary>
    public const string Seed002 = """
        {
          "sender": "MyCompany",
          "recipient": "+393331234567",
          "message": "Hello! This is a test message.",
          "options": {
            "dryRun": false,
            "failOnMultipleMessages": false
          },
          "callback": {
            "method": "JSON",
            "field": "data",
            "url": "https://www.mysite.com/myEndpoint",
            "retry": 3,
            "headers": {
              "session_id": "9834r5fh589494"
            },
            "custom": {
              "my_custom_id": "123456789"
            }
          }
        }
        """;

    /// <summary>Seed 003 ("Gateway SMS 1.0.0") <c>POST /messages</c>.</summary>
    public const string Seed003 = """
        {
          "test": false,
          "sender": "alberto",
          "body": "test invio",
          "recipients": "+39-3331234567"
        }
        """;

    /// <summary>Seed 003 with personalised fields (<c>{numero, campi}</c>) and a schedule.</summary>
    public const string Personalised = """
        {
          "sender": "MyShop",
          "body": "Ciao {{nome}}, il tuo ordine è pronto",
          "recipients": [
            { "numero": "+39-3331234567", "campi": { "nome": "Simone" } },
            { "number": "+393471234567", "fields": { "nome": "Giulia" } }
          ],
          "type": "transactional",
          "priority": 1.5,
          "timestamp_send": "2030-01-28T11:21:20Z"
        }
        """;

    /// <summary>Seed 003 <c>PUT /messages/{id}</c>: add recipients, then close the transaction.</summary>
    public const string PutAddRecipients = """
        {
          "recipients": ["+39-3331234568", "+39-3331234569"],
          "options": { "transaction": false }
        }
        """;

    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
