package market

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The enums below are strings whose values are the GraphQL enum values and the database CHECK
// values alike, so no layer translates them. They marshal themselves for gqlgen.

// SkillCategory is the area a skill belongs to.
type SkillCategory string

// The skill categories.
const (
	CategoryLanguage  SkillCategory = "LANGUAGE"
	CategoryFramework SkillCategory = "FRAMEWORK"
	CategoryDatabase  SkillCategory = "DATABASE"
	CategoryCloud     SkillCategory = "CLOUD"
	CategoryDevOps    SkillCategory = "DEVOPS"
	CategoryPractice  SkillCategory = "PRACTICE"
)

// SkillCategories lists every category in display order.
var SkillCategories = []SkillCategory{CategoryLanguage, CategoryFramework, CategoryDatabase, CategoryCloud, CategoryDevOps, CategoryPractice}

// Seniority is how senior a freelancer is.
type Seniority string

// The seniority levels.
const (
	SeniorityJunior Seniority = "JUNIOR"
	SeniorityMid    Seniority = "MID"
	SenioritySenior Seniority = "SENIOR"
	SeniorityLead   Seniority = "LEAD"
)

// Seniorities lists every level from junior to lead.
var Seniorities = []Seniority{SeniorityJunior, SeniorityMid, SenioritySenior, SeniorityLead}

// RateType says how a gig or order pays.
type RateType string

// The rate types.
const (
	RateFixed RateType = "FIXED"
	RateDaily RateType = "DAILY"
)

// RateTypes lists every rate type.
var RateTypes = []RateType{RateFixed, RateDaily}

// ProjectStatus is where a gig is in its life.
type ProjectStatus string

// The project states.
const (
	ProjectOpen       ProjectStatus = "OPEN"
	ProjectInProgress ProjectStatus = "IN_PROGRESS"
	ProjectCompleted  ProjectStatus = "COMPLETED"
	ProjectCancelled  ProjectStatus = "CANCELLED"
)

// ProjectStatuses lists every project state.
var ProjectStatuses = []ProjectStatus{ProjectOpen, ProjectInProgress, ProjectCompleted, ProjectCancelled}

// OrderStatus is where an order is in its life.
type OrderStatus string

// The order states.
const (
	OrderProposed  OrderStatus = "PROPOSED"
	OrderAccepted  OrderStatus = "ACCEPTED"
	OrderCompleted OrderStatus = "COMPLETED"
	OrderDeclined  OrderStatus = "DECLINED"
	OrderCancelled OrderStatus = "CANCELLED"
)

// OrderStatuses lists every order state.
var OrderStatuses = []OrderStatus{OrderProposed, OrderAccepted, OrderCompleted, OrderDeclined, OrderCancelled}

// MilestoneStatus is where a milestone is in its life.
type MilestoneStatus string

// The milestone states.
const (
	MilestonePending   MilestoneStatus = "PENDING"
	MilestoneFunded    MilestoneStatus = "FUNDED"
	MilestoneSubmitted MilestoneStatus = "SUBMITTED"
	MilestoneReleased  MilestoneStatus = "RELEASED"
	MilestoneCancelled MilestoneStatus = "CANCELLED"
	MilestoneRefunded  MilestoneStatus = "REFUNDED"
)

// MilestoneStatuses lists every milestone state.
var MilestoneStatuses = []MilestoneStatus{MilestonePending, MilestoneFunded, MilestoneSubmitted, MilestoneReleased, MilestoneCancelled, MilestoneRefunded}

// IsValid reports whether c is a known category.
func (c SkillCategory) IsValid() bool { return oneOf(c, SkillCategories) }

// IsValid reports whether s is a known seniority.
func (s Seniority) IsValid() bool { return oneOf(s, Seniorities) }

// IsValid reports whether r is a known rate type.
func (r RateType) IsValid() bool { return oneOf(r, RateTypes) }

// IsValid reports whether s is a known project state.
func (s ProjectStatus) IsValid() bool { return oneOf(s, ProjectStatuses) }

// IsValid reports whether s is a known order state.
func (s OrderStatus) IsValid() bool { return oneOf(s, OrderStatuses) }

// IsValid reports whether s is a known milestone state.
func (s MilestoneStatus) IsValid() bool { return oneOf(s, MilestoneStatuses) }

// MarshalGQL writes the enum value.
func (c SkillCategory) MarshalGQL(w io.Writer) { marshalEnum(w, c) }

// UnmarshalGQL reads an enum value.
func (c *SkillCategory) UnmarshalGQL(v any) error { return unmarshalEnum(v, c) }

// MarshalGQL writes the enum value.
func (s Seniority) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads an enum value.
func (s *Seniority) UnmarshalGQL(v any) error { return unmarshalEnum(v, s) }

// MarshalGQL writes the enum value.
func (r RateType) MarshalGQL(w io.Writer) { marshalEnum(w, r) }

// UnmarshalGQL reads an enum value.
func (r *RateType) UnmarshalGQL(v any) error { return unmarshalEnum(v, r) }

// MarshalGQL writes the enum value.
func (s ProjectStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads an enum value.
func (s *ProjectStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s) }

// MarshalGQL writes the enum value.
func (s OrderStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads an enum value.
func (s *OrderStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s) }

// MarshalGQL writes the enum value.
func (s MilestoneStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

// UnmarshalGQL reads an enum value.
func (s *MilestoneStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s) }

type enum interface {
	~string
	IsValid() bool
}

func oneOf[T comparable](v T, all []T) bool {
	for _, a := range all {
		if a == v {
			return true
		}
	}
	return false
}

func marshalEnum[T ~string](w io.Writer, v T) {
	_, _ = io.WriteString(w, strconv.Quote(string(v)))
}

func unmarshalEnum[T enum](v any, dst *T) error {
	s, ok := v.(string)
	if !ok {
		return Errorf(CodeBadUserInput, "enum values must be strings, got %T", v)
	}
	if !T(s).IsValid() {
		return Errorf(CodeBadUserInput, "%q is not a valid %s", s, typeName(*dst))
	}
	*dst = T(s)
	return nil
}

// typeName is the GraphQL name of an enum type, for error messages.
func typeName(v any) string {
	name := fmt.Sprintf("%T", v)
	return name[strings.LastIndexByte(name, '.')+1:]
}
