package seed

import (
	"fmt"
	"math"
	"strings"
	"time"
)

type userRow struct {
	id      int64
	email   string
	name    string
	admin   bool
	created time.Time
}

type freelancerRow struct {
	f        *freelancer
	userID   int64
	headline string
	bio      string
	years    int
	avail    bool
	created  time.Time
	skills   []skillRow
}

type skillRow struct {
	skill        int64
	level, years int
}

type clientRow struct {
	c       *client
	userID  int64
	company string
	created time.Time
}

// people makes the users, freelancer profiles with skills, and client profiles.
func (g *generator) people() (users []userRow, frs []freelancerRow, cls []clientRow) {
	o := g.o
	users = make([]userRow, 0, 1+o.Freelancers+o.Clients)
	users = append(users, userRow{id: 1, email: AdminEmail, name: "Gigraph Admin", admin: true, created: g.now.AddDate(-3, 0, 0)})

	g.free = make([]freelancer, o.Freelancers)
	frs = make([]freelancerRow, o.Freelancers)
	for i := range g.free {
		f := &g.free[i]
		f.id = int64(i + 1)
		f.country = &countries[g.pick(g.cum.country)]
		f.sen = &seniorities[g.pick(g.cum.seniority)]
		f.stack = &stacks[g.pick(g.cum.stack)]
		if i == 0 { // the demo freelancer: a senior Go developer in Germany
			f.country, f.sen, f.stack = &countries[0], &seniorities[2], &stacks[0]
		}
		f.currency = "EUR"
		if f.country.currency != "" && g.r.Float64() < 0.7 {
			f.currency = f.country.currency
		}
		f.rate = g.freelancerRate(f.country, f.sen, f.stack, f.currency)

		first, last := g.oneOf(firstNames[f.country.names]), g.oneOf(lastNames[f.country.names])
		name := first + " " + last
		email := fmt.Sprintf("%s.%s.%d@example.com", asciiFold(first), asciiFold(last), f.id)
		if i == 0 {
			email = FreelancerDemo
		}
		created := g.between(g.now.AddDate(-3, 0, 0), g.now.AddDate(0, 0, -1))
		userID := int64(i + 2)
		users = append(users, userRow{id: userID, email: email, name: name, created: created})

		years := f.sen.minYears + g.r.IntN(f.sen.maxYrs-f.sen.minYears+1)
		row := freelancerRow{f: f, userID: userID, years: years, avail: g.r.Float64() < 0.7, created: created, bio: g.oneOf(bios)}
		row.skills = g.freelancerSkills(f, years)
		for _, s := range row.skills {
			g.bySkill[s.skill] = append(g.bySkill[s.skill], int32(i))
		}
		row.headline = g.headline(f, row.skills)
		frs[i] = row
	}

	g.clients = make([]client, o.Clients)
	cls = make([]clientRow, o.Clients)
	for j := range g.clients {
		c := &g.clients[j]
		c.id = int64(j + 1)
		c.country = g.oneOf(clientCountries)
		if j == 0 {
			c.country = "DE"
		}
		c.currency = clientCurrency(c.country)
		suffix := "Ltd"
		for _, k := range countries {
			if k.code == c.country {
				suffix = k.company
			}
		}
		company := g.oneOf(companyWords[0]) + " " + g.oneOf(companyWords[1]) + " " + suffix
		userID := int64(o.Freelancers + 2 + j)
		email := fmt.Sprintf("hiring.%d@%s.example.com", c.id, asciiFold(strings.Fields(company)[0]+strings.Fields(company)[1]))
		if j == 0 {
			email, company = ClientDemo, "Demo Client GmbH"
		}
		created := g.between(g.now.AddDate(-3, 0, 0), g.now.AddDate(0, -1, 0))
		users = append(users, userRow{id: userID, email: email, name: g.oneOf(firstNames[0]) + " " + g.oneOf(lastNames[g.r.IntN(len(lastNames))]), created: created})
		c.company = company
		cls[j] = clientRow{c: c, userID: userID, company: company, created: created}
	}
	return users, frs, cls
}

// freelancerSkills draws 1–8 skills: the stack's core first, then its extras and general practices.
func (g *generator) freelancerSkills(f *freelancer, years int) []skillRow {
	want := len(f.stack.core) + g.r.IntN(7)
	if want > 8 {
		want = 8
	}
	seen := map[int64]bool{}
	var out []skillRow
	add := func(slug string, core bool) {
		id, ok := g.skills[slug]
		if !ok || seen[id] || len(out) >= want {
			return
		}
		seen[id] = true
		level := f.sen.level - g.r.IntN(2)
		if !core {
			level = f.sen.level - 1 - g.r.IntN(2) + g.r.IntN(2)
		}
		level = max(1, min(5, level))
		y := max(0, years-g.r.IntN(years/2+1))
		out = append(out, skillRow{skill: id, level: level, years: y})
	}
	for _, s := range f.stack.core {
		add(s, true)
	}
	for tries := 0; len(out) < want && tries < 20; tries++ {
		if g.r.IntN(4) == 0 {
			add(g.oneOf(practices), false)
		} else {
			add(g.oneOf(f.stack.extras), false)
		}
	}
	return out
}

func (g *generator) headline(f *freelancer, skills []skillRow) string {
	h := f.sen.word + " " + f.stack.title
	if len(skills) > len(f.stack.core) {
		names := []string{}
		for _, s := range skills[len(f.stack.core):min(len(skills), len(f.stack.core)+3)] {
			names = append(names, skillName(g.skills, s.skill))
		}
		h += " · " + strings.Join(names, ", ")
	}
	return h
}

// skillName turns a slug back into something readable for headlines.
func skillName(skills map[string]int64, id int64) string {
	for slug, sid := range skills {
		if sid == id {
			if n, ok := displayNames[slug]; ok {
				return n
			}
			return strings.ToUpper(slug[:1]) + slug[1:]
		}
	}
	return ""
}

var displayNames = map[string]string{
	"postgresql": "PostgreSQL", "grpc": "gRPC", "aws": "AWS", "gcp": "Google Cloud", "azure": "Azure",
	"kafka": "Kafka", "mysql": "MySQL", "mariadb": "MariaDB", "mongodb": "MongoDB", "graphql": "GraphQL",
	"rest-api": "REST APIs", "tdd": "TDD", "ddd": "DDD", "sql": "SQL", "sql-server": "SQL Server",
	"aws-lambda": "AWS Lambda", "nestjs": "NestJS", "fastapi": "FastAPI", "aspnet-core": "ASP.NET Core",
	"github-actions": "GitHub Actions", "gitlab-ci": "GitLab CI", "clickhouse": "ClickHouse",
	"elasticsearch": "Elasticsearch", "typescript": "TypeScript", "nodejs": "Node.js", "javascript": "JavaScript",
	"data-engineering": "data engineering", "event-driven": "event-driven design", "system-design": "system design",
	"microservices": "microservices", "security": "security", "performance": "performance tuning",
	"dotnet": ".NET", "csharp": "C#", "cpp": "C++", "linux": "Linux", "nginx": "nginx",
}

var fold = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"á", "a", "à", "a", "â", "a", "ã", "a", "í", "i", "ó", "o", "ô", "o", "õ", "o", "ú", "u", "ç", "c", "ñ", "n",
	"ś", "s", "ń", "n", "ł", "l", "ą", "a", "ę", "e", "ż", "z", "ź", "z", "ć", "c", "š", "s", "č", "c", "ř", "r",
	"ž", "z", "ý", "y", "ě", "e", "ő", "o", "ű", "u", "ø", "o", "å", "a", "æ", "ae", " ", "", "'", "")

func asciiFold(s string) string { return fold.Replace(strings.ToLower(s)) }

// Market rows: projects and everything that hangs off them.

type projectRow struct {
	id, client       int64
	title, desc      string
	rateType         string
	budget           int64
	currency         string
	remote           bool
	country          string
	status           string
	created, updated time.Time
	skills           []int64
}

type orderRow struct {
	id, project, client, freelancer int64
	rateType                        string
	amount                          int64
	currency                        string
	status                          string
	created, updated                time.Time
	accepted, completed             time.Time
}

type milestoneRow struct {
	id, order                             int64
	title                                 string
	amount                                int64
	currency                              string
	due                                   time.Time
	status                                string
	created, updated                      time.Time
	funded, submitted, released, refunded time.Time
}

type ledgerRow struct {
	id, transfer     int64
	kind, account    string
	amount           int64
	currency         string
	order, milestone int64
	created          time.Time
}

type batch struct {
	projects   []projectRow
	orders     []orderRow
	milestones []milestoneRow
	ledger     []ledgerRow
}

var orderCounts = []int{30, 25, 20, 12, 8, 5} // weights of 1..6 orders per project

// market sends batches of about batchOrders orders (with their projects, milestones and ledger)
// until o.Orders orders exist; it closes out when done.
func (g *generator) market(batchOrders int, out chan<- *batch, stop <-chan struct{}) {
	defer close(out)
	cumCounts := []int{}
	for _, w := range orderCounts {
		cumCounts = appendCum(cumCounts, w)
	}
	made, p := 0, 0
	b := &batch{}
	for made < g.o.Orders || p == 0 {
		withOrders := made < g.o.Orders
		n := 0
		if withOrders {
			n = min(1+g.pick(cumCounts), g.o.Orders-made)
		}
		g.project(b, n)
		made += n
		p++
		// About one gig in twenty is fresh and has no proposals yet.
		if g.r.IntN(20) == 0 {
			g.project(b, 0)
			p++
		}
		if len(b.orders) >= batchOrders || made >= g.o.Orders {
			select {
			case out <- b:
			case <-stop:
				return
			}
			b = &batch{}
		}
	}
}

var (
	recentStatuses = []string{"OPEN", "IN_PROGRESS", "CANCELLED", "COMPLETED"}
	recentWeights  = []int{55, 35, 5, 5}
	middleStatuses = []string{"OPEN", "IN_PROGRESS", "COMPLETED", "CANCELLED"}
	middleWeights  = []int{10, 45, 35, 10}
	oldStatuses    = []string{"OPEN", "IN_PROGRESS", "COMPLETED", "CANCELLED"}
	oldWeights     = []int{2, 10, 75, 13}
	demoStatuses   = []string{"OPEN", "IN_PROGRESS", "COMPLETED", "CANCELLED", "IN_PROGRESS", "COMPLETED"}
)

func (g *generator) weighted(vals []string, weights []int) string {
	n := g.r.IntN(100)
	for i, w := range weights {
		if n < w {
			return vals[i]
		}
		n -= w
	}
	return vals[len(vals)-1]
}

// project adds a gig with n orders to b.
func (g *generator) project(b *batch, n int) {
	g.nextIDs.project++
	pr := projectRow{id: g.nextIDs.project}
	// The first gigs with orders belong to the demo client and hire the demo freelancer, one in
	// each project status, so both demo accounts have a history to look at.
	demo := g.demoMade < len(demoStatuses) && n > 0
	var cl *client
	if demo {
		cl = &g.clients[0]
	} else {
		// Some clients post far more than others.
		cl = &g.clients[int(float64(len(g.clients))*math.Pow(g.r.Float64(), 1.8))]
	}
	pr.client = cl.id
	st := &stacks[g.pick(g.cum.stack)]
	if demo {
		st = &stacks[0]
	}

	if n == 0 {
		pr.created = g.between(g.now.AddDate(0, 0, -45), g.now)
		pr.status = "OPEN"
	} else {
		pr.created = g.between(g.now.AddDate(-2, 0, 0), g.now.Add(-time.Hour))
		age := g.now.Sub(pr.created)
		switch {
		case demo:
			pr.status = demoStatuses[g.demoMade]
			pr.created = g.now.AddDate(0, 0, -[]int{3, 40, 200, 120, 20, 320}[g.demoMade])
			g.demoMade++
		case age < 30*24*time.Hour:
			pr.status = g.weighted(recentStatuses, recentWeights)
		case age < 180*24*time.Hour:
			pr.status = g.weighted(middleStatuses, middleWeights)
		default:
			pr.status = g.weighted(oldStatuses, oldWeights)
		}
	}
	pr.updated = pr.created

	pr.title = g.oneOf(st.gigs)
	pr.skills = []int64{}
	seen := map[int64]bool{}
	for _, slug := range append([]string{st.core[0]}, st.extras[g.r.IntN(len(st.extras))], st.extras[g.r.IntN(len(st.extras))], g.oneOf(practices))[:2+g.r.IntN(3)] {
		if id, ok := g.skills[slug]; ok && !seen[id] {
			seen[id] = true
			pr.skills = append(pr.skills, id)
		}
	}
	pr.desc = fmt.Sprintf("%s. %s is looking for a freelancer for about %d weeks. You will work with our engineers, own the back-end part end to end, and hand it over with tests and documentation.",
		pr.title, cl.company, 2+g.r.IntN(20))
	pr.currency = cl.currency
	pr.rateType = "DAILY"
	if g.r.IntN(5) == 0 {
		pr.rateType = "FIXED"
	}
	typical := baseDailyRateEUR * st.premium * (0.8 + g.r.Float64()*0.6) * perEUR[pr.currency]
	pr.budget = roundRate(typical)
	if pr.rateType == "FIXED" {
		pr.budget = roundRate(typical) * int64(10+g.r.IntN(80))
	}
	pr.remote = g.r.IntN(4) != 0
	if !pr.remote || g.r.IntN(3) == 0 {
		pr.country = cl.country
	}

	used := map[int32]bool{}
	for k := 0; k < n; k++ {
		fi := g.freelancerFor(pr.skills, used)
		if demo && k == 0 {
			fi = 0
		}
		used[fi] = true
		status := g.orderStatus(pr.status, k)
		o := g.order(b, &pr, cl, &g.free[fi], status)
		if o.updated.After(pr.updated) {
			pr.updated = o.updated
		}
	}
	b.projects = append(b.projects, pr)
}

// freelancerFor picks a freelancer who has one of the gig's skills and no order on it yet.
func (g *generator) freelancerFor(skills []int64, used map[int32]bool) int32 {
	for tries := 0; tries < 10 && len(skills) > 0; tries++ {
		pool := g.bySkill[skills[g.r.IntN(len(skills))]]
		if len(pool) == 0 {
			break
		}
		if fi := pool[g.r.IntN(len(pool))]; !used[fi] {
			return fi
		}
	}
	for {
		if fi := int32(g.r.IntN(len(g.free))); !used[fi] || len(used) >= len(g.free) {
			return fi
		}
	}
}

// orderStatus gives the first order of a gig the status that matches the gig; the others were
// turned down or withdrawn (or are still open proposals on an open gig).
func (g *generator) orderStatus(projectStatus string, k int) string {
	if k == 0 {
		switch projectStatus {
		case "OPEN":
			return "PROPOSED"
		case "IN_PROGRESS":
			return "ACCEPTED"
		case "COMPLETED":
			return "COMPLETED"
		default:
			return "CANCELLED"
		}
	}
	if projectStatus == "OPEN" {
		return g.weighted([]string{"PROPOSED", "DECLINED", "CANCELLED"}, []int{50, 30, 20})
	}
	return g.weighted([]string{"DECLINED", "CANCELLED"}, []int{65, 35})
}

func (g *generator) order(b *batch, pr *projectRow, cl *client, f *freelancer, status string) *orderRow {
	g.nextIDs.order++
	o := orderRow{id: g.nextIDs.order, project: pr.id, client: cl.id, freelancer: f.id, rateType: pr.rateType, currency: f.currency, status: status}
	// Agreed rates sit a little under the asking rate, as negotiations go.
	daily := float64(f.rate) / 100 * (0.9 + g.r.Float64()*0.13)
	o.amount = roundRate(daily)
	if pr.rateType == "FIXED" {
		o.amount = int64(math.Round(daily*float64(5+g.r.IntN(56))/100)) * 100 * 100
	}
	window := min(7*24*time.Hour, g.now.Sub(pr.created)/2)
	o.created = g.between(pr.created, pr.created.Add(window))
	decided := minTime(g.between(o.created.Add(time.Hour), o.created.Add(5*24*time.Hour)), g.now)
	o.updated = o.created
	afterAccept := status == "ACCEPTED" || status == "COMPLETED" || (status == "CANCELLED" && pr.status == "CANCELLED" && g.r.IntN(5) < 2)
	switch {
	case status == "PROPOSED":
	case !afterAccept:
		o.updated = decided
	default:
		o.accepted = decided
		end := g.now
		if status != "ACCEPTED" {
			end = minTime(decided.Add(time.Duration(10+g.r.IntN(110))*24*time.Hour), g.now.Add(-time.Hour))
			if end.Before(decided) {
				end = decided
			}
		}
		o.updated = g.milestones(b, &o, decided, end)
		if status == "COMPLETED" {
			o.completed = o.updated
		}
	}
	b.orders = append(b.orders, o)
	return &b.orders[len(b.orders)-1]
}

var milestoneCounts = []int{25, 35, 25, 15} // weights of 1..4 milestones

// milestones adds an accepted order's milestones between start and end, with the ledger
// transfers their states imply, and returns the time of the last change.
func (g *generator) milestones(b *batch, o *orderRow, start, end time.Time) time.Time {
	m := 1 + g.weightedIndex(milestoneCounts)
	total := o.amount
	if o.status != "COMPLETED" && g.r.IntN(3) == 0 {
		total = o.amount * int64(70+g.r.IntN(30)) / 100
	}
	units := total / 100
	if units < int64(m) {
		m = 1
	}
	if units < 1 {
		units = 1
	}
	// Split the whole units into m parts of at least one unit each.
	parts := make([]int64, m)
	left := units
	for k := 0; k < m-1; k++ {
		share := max(1, int64(float64(units)/float64(m)*(0.6+g.r.Float64()*0.8)))
		share = min(share, left-int64(m-1-k))
		parts[k], left = share, left-share
	}
	parts[m-1] = left

	// How far the work got: milestones before `done` are paid out.
	done := m
	switch o.status {
	case "ACCEPTED", "CANCELLED":
		done = g.r.IntN(m)
	}
	last := start
	span := end.Sub(start)
	for k := 0; k < m; k++ {
		g.nextIDs.milestone++
		ms := milestoneRow{id: g.nextIDs.milestone, order: o.id, title: milestoneTitles[(k+int(o.id))%len(milestoneTitles)],
			amount: parts[k] * 100, currency: o.currency, created: start}
		from := start.Add(span * time.Duration(k) / time.Duration(m))
		to := start.Add(span * time.Duration(k+1) / time.Duration(m))
		ms.due = to.AddDate(0, 0, 3).Truncate(24 * time.Hour)
		ms.updated = ms.created
		funded := from.Add((to.Sub(from)) / 10)
		submitted := from.Add((to.Sub(from)) * 8 / 10)
		switch {
		case k < done && o.status == "COMPLETED" && k > 0 && g.r.IntN(10) == 0:
			ms.status, ms.updated = "CANCELLED", from
		case k < done && g.r.IntN(33) == 0 && o.status == "ACCEPTED":
			// A disputed milestone: funded, then refunded to the client.
			ms.status, ms.funded, ms.refunded = "REFUNDED", funded, submitted
		case k < done:
			ms.status, ms.funded, ms.submitted, ms.released = "RELEASED", funded, submitted, to
		case k == done && o.status == "ACCEPTED":
			switch g.r.IntN(10) {
			case 0, 1, 2:
				ms.status = "PENDING"
			case 3, 4, 5:
				ms.status, ms.funded = "FUNDED", funded
			default:
				ms.status, ms.funded, ms.submitted = "SUBMITTED", funded, submitted
			}
		case k == done && o.status == "CANCELLED" && g.r.IntN(5) < 3:
			ms.status, ms.funded, ms.refunded = "REFUNDED", funded, to
		case o.status == "CANCELLED":
			ms.status, ms.updated = "CANCELLED", to
		default:
			ms.status = "PENDING"
		}
		for _, t := range []time.Time{ms.funded, ms.submitted, ms.released, ms.refunded} {
			if t.After(ms.updated) {
				ms.updated = t
			}
		}
		if ms.updated.After(last) {
			last = ms.updated
		}
		escrow := fmt.Sprintf("escrow:milestone:%d", ms.id)
		clientAcct := fmt.Sprintf("client:%d", o.client)
		if !ms.funded.IsZero() {
			g.transfer(b, "FUND", o, &ms, ms.funded, clientAcct, escrow)
		}
		if !ms.released.IsZero() {
			g.transfer(b, "RELEASE", o, &ms, ms.released, escrow, fmt.Sprintf("freelancer:%d", o.freelancer))
		}
		if !ms.refunded.IsZero() {
			g.transfer(b, "REFUND", o, &ms, ms.refunded, escrow, clientAcct)
		}
		b.milestones = append(b.milestones, ms)
	}
	return last
}

// transfer records one balanced movement of a milestone's amount from one account to another.
func (g *generator) transfer(b *batch, kind string, o *orderRow, ms *milestoneRow, at time.Time, from, to string) {
	g.nextIDs.transfer++
	for _, e := range []struct {
		account string
		amount  int64
	}{{from, -ms.amount}, {to, ms.amount}} {
		g.nextIDs.ledger++
		b.ledger = append(b.ledger, ledgerRow{id: g.nextIDs.ledger, transfer: g.nextIDs.transfer, kind: kind, account: e.account,
			amount: e.amount, currency: ms.currency, order: o.id, milestone: ms.id, created: at})
	}
}

func (g *generator) weightedIndex(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := g.r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
