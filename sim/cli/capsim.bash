# bash completion for capsim (installed as share/bash-completion/completions/capsim)
#
# Commands, subcommands and each command's options are read from the
# binary's own help at completion time (capsim --help, capsim COMMAND
# --help), so they are those of the capsim being completed. An option whose
# value is a list of words (--format auto|native|...) completes to them;
# --policy to the built-in policies (capsim policies) and .so files;
# --scale to the node types of the cluster named (capsim cluster show); any
# other value or operand to file names.

# The commands `capsim --help` lists, one per line ("run", "topo show", ...).
_capsim_commands()
{
	"$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\)  .*/\1/p'
}

# The options of a command (`capsim CMD... --help`), one per line, each
# followed by its value's spelling when it takes one: "--format auto|native|...".
_capsim_options()
{
	"$@" --help 2>/dev/null | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\)\( [^ ]\{1,\}\)\{0,1\}.*/\2\3/p'
}

# --scale TYPE=F,...: the node types of the cluster the command names
# (run's --cluster, cluster show's CONFIG; else the built-in one), each
# offered as "TYPE=" after the parts already typed.
_capsim_scale()
{
	local bin=$1 cmd=$2 cfg="" i w
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == --cluster ]]; then
			cfg=${COMP_WORDS[i+1]}
		elif [[ $w == --cluster=* ]]; then
			cfg=${w#--cluster=}
		elif [[ $cmd == "cluster show" && $w != -* && $w != cluster && $w != show &&
			${COMP_WORDS[i-1]} != --scale ]]; then
			cfg=$w
		fi
	done
	local done_parts="" last=$cur
	if [[ $cur == *,* ]]; then
		done_parts=${cur%,*},
		last=${cur##*,}
	fi
	local types
	types=$("$bin" cluster show ${cfg:+"$cfg"} 2>/dev/null |
		awk '/^node types:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/ && $2 ~ /^x[0-9]+$/ { print $1 "=" }')
	COMPREPLY=($(compgen -P "$done_parts" -W "$types" -- "$last"))
	compopt -o nospace 2>/dev/null
}

_capsim()
{
	local cur prev bin
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	bin=${COMP_WORDS[0]}
	[[ $bin == */* || -z $bin ]] || bin=$(type -P "$bin") || return
	bin=${bin/#\~/$HOME}

	local -a cmds
	mapfile -t cmds < <(_capsim_commands "$bin")

	# The command words typed so far: the longest listed command they begin.
	local cmd="" c i
	for c in "${cmds[@]}"; do
		local -a w=($c)
		for ((i = 0; i < ${#w[@]}; i++)); do
			[[ ${COMP_WORDS[i+1]} == "${w[i]}" && i+1 -lt COMP_CWORD ]] || continue 2
		done
		((${#w[@]} > $(wc -w <<<"$cmd"))) && cmd=$c
	done

	if [[ -z $cmd ]]; then
		if ((COMP_CWORD == 1)); then
			local first
			first=$(printf '%s\n' "${cmds[@]}" | cut -d' ' -f1 | sort -u)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$first" -- "$cur"))
			fi
		elif ((COMP_CWORD == 2)); then
			# a subcommand: the second words of the commands the first begins
			local subs
			subs=$(printf '%s\n' "${cmds[@]}" | awk -v c="${COMP_WORDS[1]}" '$1 == c && NF == 2 { print $2 }')
			COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		fi
		return
	fi

	local -a opts
	mapfile -t opts < <(_capsim_options "$bin" $cmd)
	local o
	# the value of an option that takes one
	if [[ $prev == --* ]]; then
		for o in "${opts[@]}"; do
			[[ ${o%% *} == "$prev" && $o == *" "* ]] || continue
			local val=${o#* }
			if [[ $prev == --scale ]]; then
				_capsim_scale "$bin" "$cmd"
			elif [[ $prev == --policy ]]; then
				COMPREPLY=($(compgen -W "$("$bin" policies 2>/dev/null | awk '/^[a-z]/ { print $1 }')" -- "$cur")
					   $(compgen -f -X '!*.so' -- "$cur") $(compgen -d -- "$cur"))
			elif [[ $val =~ ^[a-z0-9-]+(\|[a-z0-9-]+)+$ ]]; then
				COMPREPLY=($(compgen -W "${val//|/ }" -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		done
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(printf '%s\n' "${opts[@]}" | cut -d' ' -f1)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
		# a command with subcommands of its own (sweep, sweep merge; plan, plan merge): those too
		if ((COMP_CWORD == 2)); then
			local subs
			subs=$(printf '%s\n' "${cmds[@]}" | awk -v c="$cmd" '$1 == c && NF == 2 { print $2 }')
			COMPREPLY+=($(compgen -W "$subs" -- "$cur"))
		fi
	fi
}

complete -o filenames -o bashdefault -F _capsim capsim
