package seed

// Reference data behind the generator. Rates are in euros per day; the factors are rough market
// levels (a Polish senior earns less than a Swiss one, Rust and Kubernetes pay more than PHP), tuned
// so that back-end developers mostly ask €200–600 a day with a long tail above.

const baseDailyRateEUR = 430.0

type country struct {
	code     string
	weight   int
	factor   float64
	currency string // local pricing currency when not EUR
	names    int    // index into firstNames/lastNames
	company  string // legal-form suffix for client company names
}

// Weights are per mille of freelancers; GB, CH and US together are ~7.5 %, and 70 % of those price
// in their local currency, so about 5 % of freelancers price in GBP, USD or CHF.
var countries = []country{
	{"DE", 160, 1.00, "", 0, "GmbH"},
	{"FR", 100, 0.95, "", 1, "SAS"},
	{"NL", 70, 1.02, "", 0, "B.V."},
	{"PL", 90, 0.62, "", 3, "Sp. z o.o."},
	{"ES", 70, 0.78, "", 2, "S.L."},
	{"IT", 50, 0.80, "", 2, "S.r.l."},
	{"GB", 45, 1.10, "GBP", 5, "Ltd"},
	{"UA", 50, 0.48, "", 3, "LLC"},
	{"PT", 40, 0.68, "", 2, "Lda."},
	{"RO", 40, 0.52, "", 3, "S.R.L."},
	{"BE", 30, 0.98, "", 1, "BV"},
	{"AT", 30, 0.98, "", 0, "GmbH"},
	{"CZ", 30, 0.62, "", 3, "s.r.o."},
	{"SE", 20, 1.00, "", 4, "AB"},
	{"IE", 20, 1.05, "", 5, "Ltd"},
	{"US", 20, 1.35, "USD", 5, "Inc."},
	{"HU", 20, 0.55, "", 3, "Kft."},
	{"GR", 20, 0.62, "", 2, "IKE"},
	{"BG", 20, 0.50, "", 3, "EOOD"},
	{"CH", 15, 1.45, "CHF", 0, "AG"},
	{"DK", 10, 1.05, "", 4, "ApS"},
	{"FI", 10, 0.95, "", 4, "Oy"},
	{"NO", 10, 1.05, "", 4, "AS"},
	{"EE", 10, 0.72, "", 4, "OÜ"},
	{"LT", 10, 0.62, "", 3, "UAB"},
}

// clientCountries are where the companies that hire sit: mostly Western Europe.
var clientCountries = []string{"DE", "DE", "DE", "DE", "FR", "FR", "NL", "NL", "GB", "GB", "GB", "CH", "US", "US", "AT", "BE", "SE", "DK", "IE", "ES", "IT", "NO", "FI", "PL"}

// Units of a currency per euro, to turn the euro-based rate model into local prices.
var perEUR = map[string]float64{"EUR": 1, "GBP": 0.86, "USD": 1.08, "CHF": 0.95}

type seniority struct {
	name             string
	weight           int
	factor           float64
	minYears, maxYrs int
	level            int // typical skill level
	word             string
}

var seniorities = []seniority{
	{"JUNIOR", 20, 0.58, 0, 2, 2, "Junior"},
	{"MID", 35, 0.82, 3, 6, 3, "Experienced"},
	{"SENIOR", 35, 1.05, 7, 15, 4, "Senior"},
	{"LEAD", 10, 1.30, 10, 25, 5, "Lead"},
}

// stack is a freelancer's specialisation: the skills it always has, the ones it draws from, and its
// rate premium.
type stack struct {
	title   string // "Go developer"
	weight  int
	premium float64
	core    []string
	extras  []string
	gigs    []string // project title stems
}

var stacks = []stack{
	{"Go developer", 10, 1.10, []string{"go"},
		[]string{"postgresql", "grpc", "kubernetes", "docker", "redis", "kafka", "aws", "gin", "microservices", "prometheus", "rest-api", "graphql", "linux", "terraform"},
		[]string{"Go microservice for payment processing", "GraphQL API in Go", "Rewrite of a Python service in Go", "High-throughput event ingestion in Go"}},
	{"Java developer", 14, 1.05, []string{"java", "spring"},
		[]string{"kotlin", "postgresql", "oracle", "kafka", "microservices", "docker", "kubernetes", "aws", "rest-api", "mysql", "ddd", "tdd"},
		[]string{"Spring Boot back end for an insurance platform", "Migration of a Java monolith to microservices", "Kafka consumers for order events", "REST API for a banking core"}},
	{"Kotlin developer", 3, 1.08, []string{"kotlin", "spring"},
		[]string{"java", "postgresql", "kafka", "docker", "kubernetes", "gcp", "rest-api", "tdd"},
		[]string{"Kotlin services for a logistics platform", "Spring WebFlux API in Kotlin"}},
	{"Python developer", 14, 1.00, []string{"python"},
		[]string{"django", "flask", "fastapi", "postgresql", "redis", "aws", "docker", "rest-api", "celery", "sql", "elasticsearch", "tdd"},
		[]string{"Django back end for a marketplace", "FastAPI service for document processing", "Python API for a healthcare app", "Background job pipeline in Python"}},
	{"PHP developer", 12, 0.85, []string{"php"},
		[]string{"laravel", "symfony", "mysql", "mariadb", "redis", "docker", "rest-api", "nginx", "linux", "elasticsearch"},
		[]string{"Laravel API for an e-commerce shop", "Symfony upgrade and refactoring", "PHP back end for a booking platform", "Performance tuning of a Laravel application"}},
	{"Node.js developer", 12, 0.95, []string{"nodejs", "javascript"},
		[]string{"typescript", "express", "nestjs", "mongodb", "postgresql", "redis", "graphql", "aws-lambda", "docker", "rest-api"},
		[]string{"NestJS API for a SaaS product", "Serverless Node.js back end on AWS Lambda", "GraphQL gateway in TypeScript", "Express API for a mobile app"}},
	{".NET developer", 10, 1.00, []string{"csharp", "dotnet"},
		[]string{"aspnet-core", "sql-server", "azure", "docker", "microservices", "ddd", "rest-api", "kubernetes"},
		[]string{"ASP.NET Core API for an ERP integration", ".NET migration to Azure", "C# services for a trading platform"}},
	{"Ruby on Rails developer", 6, 1.00, []string{"ruby", "rails"},
		[]string{"postgresql", "redis", "heroku", "docker", "rest-api", "tdd", "aws"},
		[]string{"Rails back end for a subscription business", "Ruby on Rails upgrade to the current version"}},
	{"Rust developer", 2, 1.20, []string{"rust"},
		[]string{"postgresql", "grpc", "kubernetes", "docker", "performance", "linux", "aws"},
		[]string{"Low-latency Rust service", "Rust rewrite of a hot path"}},
	{"Scala developer", 2, 1.15, []string{"scala"},
		[]string{"kafka", "cassandra", "aws", "data-engineering", "microservices", "event-driven"},
		[]string{"Scala streaming pipeline on Kafka", "Akka services for a media platform"}},
	{"Elixir developer", 2, 1.10, []string{"elixir", "phoenix"},
		[]string{"postgresql", "redis", "docker", "event-driven", "graphql"},
		[]string{"Phoenix back end for real-time chat", "Elixir services for IoT telemetry"}},
	{"DevOps engineer", 8, 1.15, []string{"kubernetes", "terraform"},
		[]string{"aws", "gcp", "azure", "docker", "ansible", "github-actions", "gitlab-ci", "prometheus", "linux", "go", "python", "nginx"},
		[]string{"Kubernetes platform on AWS", "Terraform for a multi-account cloud set-up", "CI/CD pipelines with GitHub Actions", "Observability with Prometheus"}},
	{"data engineer", 5, 1.05, []string{"python", "data-engineering"},
		[]string{"sql", "postgresql", "clickhouse", "kafka", "aws", "gcp", "elasticsearch", "scala"},
		[]string{"Data warehouse on ClickHouse", "ETL pipelines for analytics", "Kafka to PostgreSQL change-data pipeline"}},
	{"C++ developer", 2, 1.10, []string{"cpp"},
		[]string{"linux", "performance", "grpc", "system-design", "python"},
		[]string{"C++ market-data handler", "Performance work on a C++ service"}},
}

// Practices any back-end freelancer may list on top of a stack.
var practices = []string{"rest-api", "graphql", "microservices", "tdd", "security", "performance", "system-design", "ddd", "event-driven", "sql", "docker", "linux"}

// Regional name pools: Germanic, French, Southern European, Central/Eastern European, Nordic,
// English-speaking.
var firstNames = [][]string{
	{"Lukas", "Anna", "Jonas", "Lea", "Felix", "Mia", "Maximilian", "Laura", "Paul", "Sophie", "Tim", "Julia", "Jan", "Katharina", "Stefan", "Sandra", "Daan", "Sanne", "Tobias", "Nina"},
	{"Lucas", "Camille", "Hugo", "Chloé", "Louis", "Manon", "Thomas", "Léa", "Nicolas", "Julie", "Antoine", "Sarah", "Mathieu", "Claire", "Julien", "Élodie"},
	{"Marco", "Giulia", "Alejandro", "Lucía", "João", "Beatriz", "Luca", "Francesca", "Pablo", "María", "Diego", "Inês", "Andrea", "Sofia", "Nikos", "Eleni"},
	{"Piotr", "Anna", "Jakub", "Katarzyna", "Andrii", "Olena", "Tomáš", "Lucie", "Mihai", "Ioana", "Bence", "Eszter", "Dmytro", "Iryna", "Marcin", "Agnieszka", "Georgi", "Tomas"},
	{"Erik", "Emma", "Lars", "Ingrid", "Mikael", "Sofia", "Anders", "Maja", "Jussi", "Aino", "Rasmus", "Freja", "Kristjan", "Liis"},
	{"James", "Olivia", "Oliver", "Amelia", "Jack", "Emily", "Harry", "Grace", "Michael", "Jessica", "Daniel", "Sarah", "Ryan", "Aoife", "Conor", "Megan"},
}

var lastNames = [][]string{
	{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "de Vries", "Jansen", "Bakker", "Huber", "Gruber", "Keller"},
	{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Peeters", "Janssens"},
	{"Rossi", "Russo", "Ferrari", "Esposito", "García", "Fernández", "González", "Rodríguez", "Silva", "Santos", "Ferreira", "Costa", "Romano", "Papadopoulos", "Conti"},
	{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kovalenko", "Shevchenko", "Bondarenko", "Novák", "Svoboda", "Popescu", "Ionescu", "Nagy", "Kovács", "Petrov", "Kazlauskas"},
	{"Johansson", "Andersson", "Nilsen", "Hansen", "Jensen", "Nielsen", "Virtanen", "Korhonen", "Larsen", "Karlsson", "Tamm", "Saar"},
	{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Murphy", "Kelly", "Walsh", "Miller", "Evans", "Clarke"},
}

var companyWords = [][]string{
	{"Nordic", "Blue", "Bright", "Alpine", "Urban", "Green", "Rapid", "Clear", "Silver", "North", "Quantum", "Atlas", "Helix", "Vertex", "Harbor", "Summit", "Pixel", "Iron", "Lumen", "Civic"},
	{"Logistics", "Payments", "Health", "Media", "Energy", "Mobility", "Insurance", "Retail", "Labs", "Analytics", "Travel", "Foods", "Learning", "Robotics", "Finance", "Commerce", "Security", "Cloud", "Homes", "Games"},
}

var milestoneTitles = []string{"Discovery and architecture", "Data model and migrations", "Core API", "Integrations", "Load testing and tuning", "Hand-over and documentation", "Security review fixes", "Deployment pipeline"}

var bios = []string{
	"I build and run back-end systems that stay up: clear APIs, sound data models, tests that catch regressions, and deployments nobody fears.",
	"Remote-first freelancer. I join teams for a few months, ship the hard parts, and leave code the team is happy to own.",
	"I like small, boring, reliable services. Lately: API design, PostgreSQL performance and moving workloads to the cloud.",
	"Product-minded engineer: I talk to users, cut scope, and deliver in weekly increments.",
	"Former team lead; I help companies untangle legacy systems and set up practices that keep them healthy.",
}
