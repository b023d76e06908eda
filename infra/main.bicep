// SmsFunctions in Azure: a Flex Consumption function app (custom handler) with Service Bus, Storage,
// Key Vault and Application Insights, all reached with one user-assigned managed identity.
// Subscription scope, like the azd Flex Consumption templates: `azd up` creates the resource group.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group name; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@secure()
@minLength(32)
@description('API key of the admin endpoints, stored in Key Vault as Sms--AdminApiKey.')
param adminApiKey string

@secure()
@description('Password of the Kannel sendsms user, stored in Key Vault; leave empty when Kannel is not used.')
param kannelPassword string = ''

@secure()
@description('Secret (16+ characters) that signs our ids inside Kannel\'s dlr-url, stored in Key Vault; needed when Kannel is used.')
param kannelReceiptSecret string = ''

// Deliberately without a default: the Sandbox charges and reports DELIVERED without sending anything, which a
// deployment must choose knowingly (a demo), never get by leaving a setting out.
@allowed(['Kannel', 'Sandbox'])
@description('Carrier used when no routing rule matches (Sms:Routing:DefaultCarrier). Kannel sends real SMS (set the Kannel parameters); Sandbox sends nothing and reports DELIVERED.')
param defaultCarrier string

@description('Kannel sendsms endpoint, e.g. https://kannel.example.net:13013/cgi-bin/sendsms; empty disables Kannel.')
param kannelSendSmsUrl string = ''

@description('Kannel sendsms user name.')
param kannelUsername string = ''

@description('Networks Kannel calls the receipt and MO endpoints from, comma-separated CIDRs or addresses (e.g. 203.0.113.0/24, i.e. Kannel\'s egress address); empty: any source (then a leaked dlr-url can be replayed from anywhere). Sms:Carriers:Kannel:AllowedSources.')
param kannelAllowedSources string = ''

@minValue(40)
@maxValue(1000)
@description('Upper bound of Flex Consumption instances.')
param maximumInstanceCount int = 100

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance.')
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var tags = { 'azd-env-name': environmentName }
var effectiveResourceGroupName = !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'

// Same value as uniqueString(subscription().id, resourceGroup().id, environmentName) inside the group.
var resourceToken = toLower(uniqueString(
  subscription().id,
  subscriptionResourceId('Microsoft.Resources/resourceGroups', effectiveResourceGroupName),
  environmentName
))
var functionAppName = '${abbrs.webSitesFunctions}sms-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

// The queue names are part of the contract with function.json (queueName) and the app's dispatcher.
var queueNames = [
  'sms-dispatch-high'
  'sms-dispatch-normal'
  'sms-dispatch-low'
  'sms-callbacks'
]

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: effectiveResourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}sms-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    queueNames: queueNames
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    adminApiKey: adminApiKey
    kannelPassword: kannelPassword
    kannelReceiptSecret: kannelReceiptSecret
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    queueNames: queueNames
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The app must not start before its identity can read the deployment package, the queues and
  // the Key Vault references.
  dependsOn: [rbac]
  params: {
    planName: '${abbrs.webServerFarms}${resourceToken}'
    appName: functionAppName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    tableServiceUri: storage.outputs.tableServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    adminApiKeyUri: keyVault.outputs.adminApiKeyUri
    defaultCarrier: defaultCarrier
    kannelSendSmsUrl: kannelSendSmsUrl
    kannelUsername: kannelUsername
    kannelAllowedSources: kannelAllowedSources
    kannelCredentialUri: keyVault.outputs.kannelCredentialUri
    kannelReceiptSecretUri: keyVault.outputs.kannelReceiptSecretUri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Outputs azd stores in .azure/<env>/.env.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
