"""Names MathJax and LaTeX know without a definition (generated, do not edit by hand).

Extracted from the TeX input packages of mathjax-full 3.2.2, the MathJax that
Marp renders slides with (it loads every package). ``LATEX_MACROS`` keeps the packages a LaTeX
preamble from pandoc provides (base, amsmath/amssymb, mathtools, ...), so a conspect built with
LaTeX is not told that a physics-package command such as ``\\abs`` is fine.
"""

from __future__ import annotations

_ALL = """
AXC Aboxed And ArrowBetweenLines Arrowvert Axiom AxiomC BIC Bbb Bbbk Big Bigg Biggl Biggm Biggr
Bigl Bigm Bigr BinaryInf BinaryInfC Box Bqty Bra Braket Bumpeq Cap Colonapprox Coloneq Coloneqq
Colonsim Cup DeclareMathOperator DeclarePairedDelimiter DeclarePairedDelimiterX
DeclarePairedDelimiterXPP DeclarePairedDelimiters DeclarePairedDelimitersX
DeclarePairedDelimitersXPP Delta Diamond Doteq Downarrow Eqcolon Eqqcolon Finv Game Gamma Huge
Im Join Ket Ketbra LARGE LL LaTeX Lambda Large LeftLabel Leftarrow Leftrightarrow Lleftarrow
Longleftarrow Longleftrightarrow Longrightarrow Lsh MTFlushSpaceAbove MTFlushSpaceBelow
MTThinColon MoveEqLeft Newextarrow Omega PV Phi Pi Pmqty Pr Probability Psi QuaternaryInf
QuaternaryInfC QuinaryInf QuinaryInfC RL Re Res Residue RightLabel Rightarrow Rrightarrow Rsh
Rule S Set Sigma Space Subset Supset TIC TeX Theta Tiny Tr Trace TrinaryInf TrinaryInfC UIC
UnaryInf UnaryInfC Uparrow Updelta Updownarrow Upgamma Uplambda Upomega Upphi Uppi Uppsi Upsigma
Upsilon Uptheta Upupsilon Upxi Vdash Vert Vvdash Xi above abovewithdelims abs absolutevalue
acomm acos acosecant acosine acot acotangent acsc acute adjustlimits admat aleph alpha
alwaysDashedLine alwaysNoLine alwaysRootAtBottom alwaysRootAtTop alwaysSingleLine
alwaysSolidLine amalg angle anticommutator antidiagonalmatrix approx approxeq arccos arccosecant
arccosine arccot arccotangent arccsc arcsec arcsecant arcsin arcsine arctan arctangent arg array
arrowvert asec asecant asin asine ast asymp atan atangent atop atopwithdelims backepsilon
backprime backsim backsimeq backslash bar barwedge bbFont bbox bcancel because begin beta beth
between bf big bigcap bigcirc bigcup bigg biggl biggm biggr bigl bigm bigodot bigoplus bigotimes
bigr bigsqcup bigstar bigtimes bigtriangledown bigtriangleup biguplus bigvee bigwedge binom
blacklozenge blacksquare blacktriangle blacktriangledown blacktriangleleft blacktriangleright
bmod bmqty boldsymbol bot bowtie boxdot boxed boxminus boxplus boxtimes bqty bra brace bracevert
brack braket breve buildrel bullet bumpeq cal cancel cancelto cap cases cdot cdotp cdots ce
cellcolor celsius centerOver centercolon centerdot centernot cfrac check checkmark chi choose
circ circeq circlearrowleft circlearrowright circledR circledS circledast circledcirc
circleddash clap class clubsuit colon colonapprox coloneq coloneqq colonsim color colorbox
columncolor comm commutator complement cong coprod cos cosecant cosh cosine cot cotangent coth
cp cr cramped crampedclap crampedllap crampedrlap crampedsubstack cross crossproduct csc csch
cssId cup curl curlyeqprec curlyeqsucc curlyvee curlywedge curvearrowleft curvearrowright dagger
daleth dashedLine dashleftarrow dashrightarrow dashv dbinom dblcolon dd ddagger ddddot dddot
ddot ddots def definecolor deg degree delta derivative det determinant dfrac diagdown
diagonalmatrix diagup diamond diamondsuit diffd differential digamma dim displaylines
displaystyle div divergence divideontimes divsymbol dmat dot doteq doteqdot dotplus dotproduct
dots dotsb dotsc dotsi dotsm dotso doublebarwedge doublecap doublecup downarrow downdownarrows
downharpoonleft downharpoonright dv dyad ell emph empheqbigl empheqbiglVert empheqbiglangle
empheqbiglbrace empheqbiglbrack empheqbiglceil empheqbiglfloor empheqbiglparen empheqbiglvert
empheqbigr empheqbigrVert empheqbigrangle empheqbigrbrace empheqbigrbrack empheqbigrceil
empheqbigrfloor empheqbigrparen empheqbigrvert empheql empheqlVert empheqlangle empheqlbrace
empheqlbrack empheqlceil empheqlfloor empheqlparen empheqlvert empheqr empheqrVert empheqrangle
empheqrbrace empheqrbrack empheqrceil empheqrfloor empheqrparen empheqrvert emptyset enclose end
enspace epsilon eqalign eqalignno eqcirc eqcolon eqqcolon eqref eqsim eqslantgtr eqslantless
equiv erf eta eth ev eval evaluated exists exp expectationvalue exponential expval fCenter
fallingdotseq fbox fcolorbox fderivative fdv flat flatfrac forall frac frak framebox frown
functionalderivative gamma gcd ge genfrac geq geqq geqslant gets gg ggg gggtr gimel gnapprox
gneq gneqq gnsim grad gradient gradientnabla grave gt gtrapprox gtrdot gtreqless gtreqqless
gtrless gtrsim gvertneqq hat hbar hbox hdashline heartsuit hfil hfill hfilll hline hom
hookleftarrow hookrightarrow hphantom href hskip hslash hspace huge hypcosecant hypcosine
hypcotangent hypsecant hypsine hyptangent identitymatrix idotsint iff iiiint iiint iint
imaginary imat imath impliedby implies in inf infty injlim innerproduct int intercal intertext
intop iota ip it jmath kappa ker kern ket ketbra lVert label lambda land langle laplacian large
lbrace lbrack lceil ldotp ldots le leadsto left leftarrow leftarrowtail leftharpoondown
leftharpoonup leftleftarrows leftrightarrow leftrightarrows leftrightharpoons
leftrightsquigarrow leftroot leftthreetimes leq leqalignno leqq leqslant lessapprox lessdot
lesseqgtr lesseqqgtr lessgtr lesssim let lfloor lg lgroup lhd lim liminf limits limsup ll llap
llcorner lll llless lmoustache ln lnapprox lneq lneqq lnot lnsim log logarithm
longLeftrightharpoons longRightleftharpoons longleftarrow longleftrightarrow longleftrightarrows
longmapsto longrightarrow longrightleftharpoons looparrowleft looparrowright lor lower lozenge
lparen lrcorner lt ltimes lvert lvertneqq maltese mapsto mathbb mathbf mathbfcal mathbffrak
mathbfit mathbfscr mathbfsf mathbfsfit mathbfsfup mathbfup mathbin mathcal mathchoice mathclap
mathclose mathfrak mathinner mathit mathllap mathmakebox mathmbox mathnormal mathop mathopen
mathord mathpunct mathrel mathring mathrlap mathrm mathscr mathsf mathsfit mathsfup mathstrut
mathtip mathtoolsset mathtt mathup matrix matrixdeterminant matrixel matrixelement
matrixquantity max mbox mdet measuredangle mel mho micro mid middle min minCDarrowheight
minCDarrowwidth mit mkern mmlToken mod models moveleft moveright mp mqty mskip mspace mu
multimap nLeftarrow nLeftrightarrow nRightarrow nVDash nVdash nabla natural naturallogarithm
ncong ndownarrow ne nearrow neg negmedspace negthickspace negthinspace neq newcommand
newenvironment newline newtagform nexists ngeq ngeqq ngeqslant ngtr ni nleftarrow
nleftrightarrow nleq nleqq nleqslant nless nmid noLine nobreakspace nolimits nonscript nonumber
norm normalsize not notChar notag notin nparallel nprec npreceq nrightarrow nshortmid
nshortparallel nsim nsubseteq nsubseteqq nsucc nsucceq nsupseteq nsupseteqq ntriangleleft
ntrianglelefteq ntriangleright ntrianglerighteq nu nuparrow nvDash nvdash nwarrow odot ohm oint
oldstyle omega omicron ominus op operatorname oplus order ordinarycolon oslash otimes
outerproduct over overbrace overbracket overleftarrow overleftrightarrow overline overparen
overrightarrow overset overunderset overwithdelims owns parallel partial partialderivative
paulimatrix pb pderivative pdv perp perthousand phantom phi pi pitchfork pm pmat pmatrix pmb
pmod pmqty pod poissonbracket pqty prec precapprox preccurlyeq preceq precnapprox precneqq
precnsim precsim prescript prime principalvalue prod projlim propto providecommand psi pu pv
qall qand qas qassume qc qcc qcomma qelse qeven qfor qgiven qif qin qinteger qlet qodd qor
qotherwise qq qqtext qquad qsince qthen qty quad quantity qunless qusing rVert raise rangle rank
rbrace rbrack rceil real ref refeq renewcommand renewenvironment renewtagform restriction rfloor
rgroup rhd rho right rightarrow rightarrowtail rightharpoondown rightharpoonup rightleftarrows
rightleftharpoons rightrightarrows rightsquigarrow rightthreetimes risingdotseq rlap rm
rmoustache root rootAtBottom rootAtTop rowcolor rparen rtimes rule rvert sPmqty sbmqty scr
scriptscriptstyle scriptsize scriptstyle searrow sec secant sech set setOptions setminus sf
sharp shortmid shortparallel shortvdotswithin shoveleft shoveright sideset sigma sim simeq sin
sine singleLine sinh skew small smallfrown smallint smallmatrixquantity smallsetminus smallsmile
smash smdet smile smqty solidLine space spadesuit sphericalangle splitdfrac splitfrac spmqty
sqcap sqcup sqrt sqsubset sqsubseteq sqsupset sqsupseteq square stackbin stackrel star strut
style subset subseteq subseteqq subsetneq subsetneqq substack succ succapprox succcurlyeq succeq
succnapprox succneqq succnsim succsim sum sup supset supseteq supseteqq supsetneq supsetneqq
surd svmqty swarrow symbb symbf symbfcal symbffrak symbfit symbfscr symbfsf symbfsfit symbfsfup
symbfup symcal symfrak symit symnormal symrm symscr symsf symsfit symsfup symtt symup tag tan
tangent tanh tau tbinom text textacutedbl textasciiacute textasciibreve textasciicaron
textasciicircum textasciidieresis textasciimacron textasciitilde textasteriskcentered
textbackslash textbaht textbar textbardbl textbf textbigcircle textblank textborn textbraceleft
textbraceright textbrokenbar textbullet textcelsius textcent textcentoldstyle textcircledP
textclap textcolonmonetary textcolor textcompwordmark textcopyleft textcopyright textcurrency
textdagger textdaggerdbl textdegree textdied textdiscount textdiv textdivorced textdollar
textdollaroldstyle textdong textdownarrow texteightoldstyle textellipsis textemdash textendash
textestimated texteuro textexclamdown textfiveoldstyle textflorin textfouroldstyle
textfractionsolidus textgravedbl textgreater textguarani textinterrobang textinterrobangdown
textit textlangle textlbrackdbl textleftarrow textless textlira textllap textlnot textlquill
textmarried textmho textminus textmu textmusicalnote textnaira textnineoldstyle textnormal
textnumero textohm textonehalf textoneoldstyle textonequarter textonesuperior textopenbullet
textordfeminine textordmasculine textparagraph textperiodcentered textpertenthousand
textperthousand textpeso textpm textquestiondown textquotedblleft textquotedblright
textquoteleft textquoteright textrangle textrbrackdbl textrecipe textreferencemark
textregistered textrightarrow textrlap textrm textrquill textsection textservicemark
textsevenoldstyle textsf textsixoldstyle textsterling textstyle textsurd textthreeoldstyle
textthreequarters textthreesuperior texttildelow texttimes texttip texttrademark texttt
texttwooldstyle texttwosuperior textunderscore textup textuparrow textvisiblespace textwon
textyen textzerooldstyle tfrac therefore theta thickapprox thicksim thinspace tilde times tiny
to toggle top tr trace triangle triangledown triangleleft trianglelefteq triangleq triangleright
trianglerighteq tripledash tt twoheadleftarrow twoheadrightarrow u ulcorner underbrace
underbracket underleftarrow underleftrightarrow underline underparen underrightarrow underset
unicode unlhd unrhd upalpha uparrow upbeta upchi updelta updownarrow upepsilon upeta upgamma
upharpoonleft upharpoonright upiota upkappa uplambda uplus upmu upnu upomega upomicron upphi
uppi uppsi uprho uproot upsigma upsilon uptau uptheta upuparrows upupsilon upvarepsilon upvarphi
upvarpi upvarrho upvarsigma upvartheta upxi upzeta urcorner usetagform v vDash va var varDelta
varGamma varLambda varOmega varPhi varPi varPsi varSigma varTheta varUpsilon varXi varepsilon
variation varinjlim varkappa varliminf varlimsup varnothing varphi varpi varprojlim varpropto
varrho varsigma varsubsetneq varsubsetneqq varsupsetneq varsupsetneqq vartheta vartriangle
vartriangleleft vartriangleright vb vcenter vdash vdot vdots vdotswithin vec vectorarrow
vectorbold vectorunit vee veebar verb vert vmqty vnabla vphantom vqty vu wedge widehat widetilde
wp wr xLeftarrow xLeftrightarrow xLeftrightharpoons xRightarrow xRightleftharpoons xcancel
xhookleftarrow xhookrightarrow xi xleftarrow xleftharpoondown xleftharpoonup xleftrightarrow
xleftrightharpoons xlongequal xmapsto xmat xmathstrut xmatrix xrightarrow xrightharpoondown
xrightharpoonup xrightleftharpoons xtofrom xtwoheadleftarrow xtwoheadrightarrow yen zeromatrix
zeta zmat
"""

_LATEX = """
Aboxed And ArrowBetweenLines Arrowvert Bbb Bbbk Big Bigg Biggl Biggm Biggr Bigl Bigm Bigr Box
Bra Braket Bumpeq Cap Colonapprox Coloneq Coloneqq Colonsim Cup DeclareMathOperator
DeclarePairedDelimiter DeclarePairedDelimiterX DeclarePairedDelimiterXPP DeclarePairedDelimiters
DeclarePairedDelimitersX DeclarePairedDelimitersXPP Delta Diamond Doteq Downarrow Eqcolon
Eqqcolon Finv Game Gamma Huge Im Join Ket Ketbra LARGE LaTeX Lambda Large Leftarrow
Leftrightarrow Lleftarrow Longleftarrow Longleftrightarrow Longrightarrow Lsh MTFlushSpaceAbove
MTFlushSpaceBelow MTThinColon MoveEqLeft Newextarrow Omega Phi Pi Pr Psi Re Rightarrow
Rrightarrow Rsh Rule S Set Sigma Space Subset Supset TeX Theta Tiny Uparrow Updelta Updownarrow
Upgamma Uplambda Upomega Upphi Uppi Uppsi Upsigma Upsilon Uptheta Upupsilon Upxi Vdash Vert
Vvdash Xi above abovewithdelims acute adjustlimits aleph alpha amalg angle approx approxeq
arccos arcsin arctan arg array arrowvert ast asymp atop atopwithdelims backepsilon backprime
backsim backsimeq backslash bar barwedge bbFont bcancel because begin beta beth between bf big
bigcap bigcirc bigcup bigg biggl biggm biggr bigl bigm bigodot bigoplus bigotimes bigr bigsqcup
bigstar bigtimes bigtriangledown bigtriangleup biguplus bigvee bigwedge binom blacklozenge
blacksquare blacktriangle blacktriangledown blacktriangleleft blacktriangleright bmod boldsymbol
bot bowtie boxdot boxed boxminus boxplus boxtimes bra brace bracevert brack braket breve
buildrel bullet bumpeq cal cancel cancelto cap cases cdot cdotp cdots celsius centerOver
centercolon centerdot centernot cfrac check checkmark chi choose circ circeq circlearrowleft
circlearrowright circledR circledS circledast circledcirc circleddash clap class clubsuit colon
colonapprox coloneq coloneqq colonsim color colorbox complement cong coprod cos cosh cot coth cr
cramped crampedclap crampedllap crampedrlap crampedsubstack csc cssId cup curlyeqprec
curlyeqsucc curlyvee curlywedge curvearrowleft curvearrowright dagger daleth dashleftarrow
dashrightarrow dashv dbinom dblcolon ddagger ddddot dddot ddot ddots def definecolor deg degree
delta det dfrac diagdown diagup diamond diamondsuit digamma dim displaylines displaystyle div
divideontimes divsymbol dot doteq doteqdot dotplus dots dotsb dotsc dotsi dotsm dotso
doublebarwedge doublecap doublecup downarrow downdownarrows downharpoonleft downharpoonright ell
emph emptyset end enspace epsilon eqalign eqalignno eqcirc eqcolon eqqcolon eqref eqsim
eqslantgtr eqslantless equiv eta eth exists exp fallingdotseq fbox fcolorbox flat forall frac
frak framebox frown gamma gcd ge genfrac geq geqq geqslant gets gg ggg gggtr gimel gnapprox gneq
gneqq gnsim grave gt gtrapprox gtrdot gtreqless gtreqqless gtrless gtrsim gvertneqq hat hbar
hbox hdashline heartsuit hfil hfill hfilll hline hom hookleftarrow hookrightarrow hphantom href
hskip hslash hspace huge idotsint iff iiiint iiint iint imath impliedby implies in inf infty
injlim int intercal intertext intop iota it jmath kappa ker kern ket ketbra lVert label lambda
land langle large lbrace lbrack lceil ldotp ldots le leadsto left leftarrow leftarrowtail
leftharpoondown leftharpoonup leftleftarrows leftrightarrow leftrightarrows leftrightharpoons
leftrightsquigarrow leftroot leftthreetimes leq leqalignno leqq leqslant lessapprox lessdot
lesseqgtr lesseqqgtr lessgtr lesssim let lfloor lg lgroup lhd lim liminf limits limsup ll llap
llcorner lll llless lmoustache ln lnapprox lneq lneqq lnot lnsim log longleftarrow
longleftrightarrow longmapsto longrightarrow looparrowleft looparrowright lor lower lozenge
lparen lrcorner lt ltimes lvert lvertneqq maltese mapsto mathbb mathbf mathbfcal mathbffrak
mathbfit mathbfscr mathbfsf mathbfsfit mathbfsfup mathbfup mathbin mathcal mathchoice mathclap
mathclose mathfrak mathinner mathit mathllap mathmakebox mathmbox mathnormal mathop mathopen
mathord mathpunct mathrel mathring mathrlap mathrm mathscr mathsf mathsfit mathsfup mathstrut
mathtoolsset mathtt mathup matrix max mbox measuredangle mho micro mid middle min
minCDarrowheight minCDarrowwidth mit mkern mmlToken mod models moveleft moveright mp mskip
mspace mu multimap nLeftarrow nLeftrightarrow nRightarrow nVDash nVdash nabla natural ncong
ndownarrow ne nearrow neg negmedspace negthickspace negthinspace neq newcommand newenvironment
newline newtagform nexists ngeq ngeqq ngeqslant ngtr ni nleftarrow nleftrightarrow nleq nleqq
nleqslant nless nmid nobreakspace nolimits nonscript nonumber normalsize not notChar notag notin
nparallel nprec npreceq nrightarrow nshortmid nshortparallel nsim nsubseteq nsubseteqq nsucc
nsucceq nsupseteq nsupseteqq ntriangleleft ntrianglelefteq ntriangleright ntrianglerighteq nu
nuparrow nvDash nvdash nwarrow odot ohm oint oldstyle omega omicron ominus operatorname oplus
ordinarycolon oslash otimes over overbrace overbracket overleftarrow overleftrightarrow overline
overparen overrightarrow overset overunderset overwithdelims owns parallel partial perp
perthousand phantom phi pi pitchfork pm pmatrix pmb pmod pod prec precapprox preccurlyeq preceq
precnapprox precneqq precnsim precsim prescript prime prod projlim propto providecommand psi
qquad quad rVert raise rangle rbrace rbrack rceil ref refeq renewcommand renewenvironment
renewtagform restriction rfloor rgroup rhd rho right rightarrow rightarrowtail rightharpoondown
rightharpoonup rightleftarrows rightleftharpoons rightrightarrows rightsquigarrow
rightthreetimes risingdotseq rlap rm rmoustache root rparen rtimes rule rvert scr
scriptscriptstyle scriptsize scriptstyle searrow sec set setminus sf sharp shortmid
shortparallel shortvdotswithin shoveleft shoveright sideset sigma sim simeq sin sinh skew small
smallfrown smallint smallsetminus smallsmile smash smile space spadesuit sphericalangle
splitdfrac splitfrac sqcap sqcup sqrt sqsubset sqsubseteq sqsupset sqsupseteq square stackbin
stackrel star strut style subset subseteq subseteqq subsetneq subsetneqq substack succ
succapprox succcurlyeq succeq succnapprox succneqq succnsim succsim sum sup supset supseteq
supseteqq supsetneq supsetneqq surd swarrow symbb symbf symbfcal symbffrak symbfit symbfscr
symbfsf symbfsfit symbfsfup symbfup symcal symfrak symit symnormal symrm symscr symsf symsfit
symsfup symtt symup tag tan tanh tau tbinom text textacutedbl textasciiacute textasciibreve
textasciicaron textasciicircum textasciidieresis textasciimacron textasciitilde
textasteriskcentered textbackslash textbaht textbar textbardbl textbf textbigcircle textblank
textborn textbraceleft textbraceright textbrokenbar textbullet textcelsius textcent
textcentoldstyle textcircledP textclap textcolonmonetary textcolor textcompwordmark textcopyleft
textcopyright textcurrency textdagger textdaggerdbl textdegree textdied textdiscount textdiv
textdivorced textdollar textdollaroldstyle textdong textdownarrow texteightoldstyle textellipsis
textemdash textendash textestimated texteuro textexclamdown textfiveoldstyle textflorin
textfouroldstyle textfractionsolidus textgravedbl textgreater textguarani textinterrobang
textinterrobangdown textit textlangle textlbrackdbl textleftarrow textless textlira textllap
textlnot textlquill textmarried textmho textminus textmu textmusicalnote textnaira
textnineoldstyle textnormal textnumero textohm textonehalf textoneoldstyle textonequarter
textonesuperior textopenbullet textordfeminine textordmasculine textparagraph textperiodcentered
textpertenthousand textperthousand textpeso textpm textquestiondown textquotedblleft
textquotedblright textquoteleft textquoteright textrangle textrbrackdbl textrecipe
textreferencemark textregistered textrightarrow textrlap textrm textrquill textsection
textservicemark textsevenoldstyle textsf textsixoldstyle textsterling textstyle textsurd
textthreeoldstyle textthreequarters textthreesuperior texttildelow texttimes texttrademark
texttt texttwooldstyle texttwosuperior textunderscore textup textuparrow textvisiblespace
textwon textyen textzerooldstyle tfrac therefore theta thickapprox thicksim thinspace tilde
times tiny to top triangle triangledown triangleleft trianglelefteq triangleq triangleright
trianglerighteq tt twoheadleftarrow twoheadrightarrow u ulcorner underbrace underbracket
underleftarrow underleftrightarrow underline underparen underrightarrow underset unicode unlhd
unrhd upalpha uparrow upbeta upchi updelta updownarrow upepsilon upeta upgamma upharpoonleft
upharpoonright upiota upkappa uplambda uplus upmu upnu upomega upomicron upphi uppi uppsi uprho
uproot upsigma upsilon uptau uptheta upuparrows upupsilon upvarepsilon upvarphi upvarpi upvarrho
upvarsigma upvartheta upxi upzeta urcorner usetagform v vDash varDelta varGamma varLambda
varOmega varPhi varPi varPsi varSigma varTheta varUpsilon varXi varepsilon varinjlim varkappa
varliminf varlimsup varnothing varphi varpi varprojlim varpropto varrho varsigma varsubsetneq
varsubsetneqq varsupsetneq varsupsetneqq vartheta vartriangle vartriangleleft vartriangleright
vcenter vdash vdots vdotswithin vec vee veebar vert vphantom wedge widehat widetilde wp wr
xLeftarrow xLeftrightarrow xRightarrow xcancel xhookleftarrow xhookrightarrow xi xleftarrow
xleftharpoondown xleftharpoonup xleftrightarrow xleftrightharpoons xlongequal xmapsto xmathstrut
xrightarrow xrightharpoondown xrightharpoonup xrightleftharpoons xtofrom xtwoheadleftarrow
xtwoheadrightarrow yen zeta
"""

_ENVIRONMENTS = """
Bmatrix Bmatrix* Bsmallmatrix Bsmallmatrix* CD Vmatrix Vmatrix* Vsmallmatrix Vsmallmatrix* align
align* alignat alignat* aligned alignedat array bmatrix bmatrix* bsmallmatrix bsmallmatrix*
cases cases* crampedsubarray dcases dcases* drcases drcases* empheq eqnarray eqnarray* equation
equation* flalign flalign* gather gather* gathered lgathered matrix matrix* multline multline*
multlined numcases pmatrix pmatrix* prooftree psmallmatrix psmallmatrix* rcases rcases*
rgathered smallmatrix smallmatrix* split spreadlines subarray subnumcases vmatrix vmatrix*
vsmallmatrix vsmallmatrix* xalignat xalignat* xxalignat
"""

_LATEX_ENVIRONMENTS = """
Bmatrix Bmatrix* Bsmallmatrix Bsmallmatrix* CD Vmatrix Vmatrix* Vsmallmatrix Vsmallmatrix* align
align* alignat alignat* aligned alignedat array bmatrix bmatrix* bsmallmatrix bsmallmatrix*
cases cases* crampedsubarray dcases dcases* drcases drcases* eqnarray eqnarray* equation
equation* flalign flalign* gather gather* gathered lgathered matrix matrix* multline multline*
multlined numcases pmatrix pmatrix* psmallmatrix psmallmatrix* rcases rcases* rgathered
smallmatrix smallmatrix* split spreadlines subarray subnumcases vmatrix vmatrix* vsmallmatrix
vsmallmatrix* xalignat xalignat* xxalignat
"""

MATHJAX_MACROS: frozenset[str] = frozenset(_ALL.split())
LATEX_MACROS: frozenset[str] = frozenset(_LATEX.split())
MATHJAX_ENVIRONMENTS: frozenset[str] = frozenset(_ENVIRONMENTS.split())
LATEX_ENVIRONMENTS: frozenset[str] = frozenset(_LATEX_ENVIRONMENTS.split())
